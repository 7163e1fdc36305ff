// Returning users: a real user coming back to the site still holds the session token of an earlier
// visit (JWT_TTL_SECONDS, 24 h by default), so only some of the signed-in users type a password.
// Both runners pick the same users (isReturning); the driver signs their tokens itself
// (driver/sign-in-policy.ts), k6 reads them from a sessions file written before the run
// (`npm run loadtest:sessions`, driver/sessions.cli.ts), because k6 cannot reach the database.

/** Whether virtual user `vu` is a returning user: deterministic, spread evenly (share 0.9 = 9 of every 10). */
export function isReturning(vu: number, share: number): boolean {
  return Math.floor(vu * share) !== Math.floor((vu - 1) * share);
}

export interface StoredSession {
  token: string;
  username: string;
}

/** What `npm run loadtest:sessions` writes: one session per load-test account, by account number. */
export interface SessionsFile {
  issuedAt: string;
  ttlS: number;
  /** Index n - 1 holds account n's session (null: no such account in the database). */
  sessions: Array<StoredSession | null>;
}
