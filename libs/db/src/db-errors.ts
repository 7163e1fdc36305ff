/**
 * Classifies database failures so the API can answer 503 ("try again") rather than 500
 * when the database is unreachable, the pool is exhausted or a statement timed out.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (pg_terminate_backend, restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004', // connection exceptions
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024', // Prisma: unreachable, timeout, closed, pool timeout
]);

const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Query read timeout/i,
  /canceling statement due to statement timeout/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
  /connect ECONNREFUSED/i,
  /the database system is (starting up|shutting down)/i,
  /Can't reach database server/i,
  /Timed out fetching a new connection/i,
  // Prisma P2028 when the pool could not hand an interactive transaction a connection in time
  // (PostgreSQL slow or unreachable). Found by npm run test:resilience ("PostgreSQL slow").
  /Unable to start a transaction in the given time/i,
];

export function isDatabaseUnavailableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; meta?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (typeof e.originalCode === 'string' && UNAVAILABLE_CODES.has(e.originalCode)) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  return isDatabaseUnavailableError(e.cause, depth + 1);
}

const INVALID_TEXT_CODES = new Set([
  '22021', // character_not_in_repertoire: a NUL (\u0000) in a text parameter
  '22P05', // untranslatable_character
]);

/**
 * PostgreSQL refused a text value the client sent (a NUL character: text columns and parameters
 * cannot hold \u0000). That is bad input (422), not a server fault. Found by
 * apps/api/test/security/sql-metacharacters.e2e.spec.ts (GET /api/articles/%00 was a 500).
 */
export function isInvalidTextError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && INVALID_TEXT_CODES.has(e.code)) return true;
  if (typeof e.originalCode === 'string' && INVALID_TEXT_CODES.has(e.originalCode)) return true;
  if (typeof e.message === 'string' && /invalid byte sequence for encoding "UTF8": 0x00/.test(e.message)) return true;
  return isInvalidTextError(e.cause, depth + 1);
}

/**
 * Prisma's unique-constraint violation (P2002): the violated columns when known, else [].
 * With driver adapters Prisma reports the index name (users_email_key -> ["email"]).
 */
export function uniqueViolationFields(error: unknown): string[] | null {
  type Meta = { target?: unknown; driverAdapterError?: { cause?: { table?: string; constraint?: { fields?: string[]; index?: string } } } };
  const e = error as { code?: string; meta?: Meta; table?: string; constraint?: string } | null;
  // PostgreSQL's own 23505 (hand-written SQL through pg): the constraint is named <table>_<column>_key.
  if (e?.code === '23505') {
    const { table, constraint } = e;
    if (table && constraint?.startsWith(`${table}_`) && constraint.endsWith('_key')) return [constraint.slice(table.length + 1, -'_key'.length)];
    return [];
  }
  if (!e || e.code !== 'P2002') return null;
  const target = e.meta?.target;
  if (Array.isArray(target)) return target.map(String);
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause?.constraint?.fields) return cause.constraint.fields.map((f) => f.replace(/^"|"$/g, ''));
  const index = cause?.constraint?.index;
  if (index && cause?.table && index.startsWith(`${cause.table}_`) && index.endsWith('_key')) {
    return [index.slice(cause.table.length + 1, -'_key'.length)];
  }
  return [];
}

/**
 * A foreign-key violation: Prisma's P2003, or PostgreSQL's 23503 from the pg driver (the row it
 * points to was deleted meanwhile).
 */
export function isForeignKeyViolation(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; originalCode?: unknown; cause?: unknown };
  if (e.code === 'P2003' || e.code === '23503' || e.originalCode === '23503') return true;
  return isForeignKeyViolation(e.cause, depth + 1);
}
