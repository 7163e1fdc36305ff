// How virtual users sign in during a stress run (pattern: realistic arrivals).
// A real user returning to the site still holds the session token from an earlier visit
// (JWT_TTL_SECONDS, 24 h by default); only some sign in with a password, and sign-ins across a
// population arrive at a bounded rate. Without this, a stress ramp of 1000 new users in 20 s is
// ~550 argon2id hashes of ~26 ms CPU each, 14 s of CPU per level: the run measures the hash, not
// capacity (`npm run loadtest:login-storm` measures that on purpose).
// - `returningShare` of the signed-in users start with a session token issued for their account
//   before the run (signed with the stack's JWT secret, as the API would have issued it);
// - the others sign in with their password, through one pacer shared by every user: at most
//   `loginsPerS` sign-ins per second start, the rest wait their turn.
// Tested in load-tests/driver/sign-in-policy.spec.ts.
import { SignJWT } from 'jose';
import { isReturning, type StoredSession } from '../shared/returning-users.ts';

export { isReturning };

export interface SignInPolicy {
  /** A session for virtual user `vu` (signing in as `email`) when it is a returning user, else undefined. */
  sessionFor(vu: number, email: string): Promise<StoredSession | undefined>;
  /** Resolves when this sign-in may start (bounded rate across all users). */
  loginTurn(signal?: AbortSignal): Promise<void>;
}

/** A start-time pacer: turn n starts at first + n / ratePerS seconds (no burst beyond one turn). */
export class LoginPacer {
  private next = 0;

  constructor(
    private readonly ratePerS: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds this caller must wait for its turn (and reserves the turn). */
  reserve(): number {
    const now = this.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.ratePerS;
    return at - now;
  }

  async turn(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}

export function signInPolicy(opts: {
  returningShare: number;
  loginsPerS: number;
  jwtSecret: string;
  ttlS: number;
  /** Seeded accounts by email. */
  accounts: ReadonlyMap<string, { id: number; username: string }>;
}): SignInPolicy {
  const pacer = new LoginPacer(opts.loginsPerS);
  return {
    async sessionFor(vu, email) {
      const account = opts.accounts.get(email);
      if (!account || !isReturning(vu, opts.returningShare)) return undefined;
      return issueSession(opts.jwtSecret, opts.ttlS, account);
    },
    loginTurn: (signal) => pacer.turn(signal),
  };
}

/** A session token for `account`, signed with the stack's secret as the API would have issued it at sign-in. */
export async function issueSession(jwtSecret: string, ttlS: number, account: { id: number; username: string }): Promise<StoredSession> {
  const token = await new SignJWT({ username: account.username })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(account.id))
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(new TextEncoder().encode(jwtSecret));
  return { token, username: account.username };
}
