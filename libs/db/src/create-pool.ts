import pg from 'pg';

export interface PoolSettings {
  connectionString: string;
  /** Max connections for this process. Budget: instances x max + worker + reserve <= max_connections. */
  max: number;
  /** Wait for a free connection before failing (pg's default 0 waits forever). */
  acquireTimeoutMs: number;
  /** PostgreSQL cancels statements running longer than this. */
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
  /** Called when an idle pooled connection dies (e.g. pg_terminate_backend, PostgreSQL restart). */
  onError?: (err: Error) => void;
}

/**
 * One pg.Pool per process, shared by Prisma (through @prisma/adapter-pg) and by the
 * few hand-written hot-path queries.
 *
 * Pattern "bounded pool with fail-fast acquire": see apps/api/test/db/pool-exhaustion.spec.ts.
 */
export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    // Server-side cancellation, plus a client-side guard slightly above it in case the
    // server itself is unresponsive (a frozen PostgreSQL never sends the cancel).
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 1_000,
    application_name: settings.applicationName,
    keepAlive: true,
  });
  // Without a listener, an idle client dying (pg_terminate_backend, server restart) emits an
  // unhandled 'error' and crashes the process. The pool discards the client; we just log.
  pool.on('error', (err) => settings.onError?.(err));
  return pool;
}
