import pg from 'pg';
import { UnnamedStatementClient } from './unnamed-statement-client.js';

export interface PoolSettings {
  connectionString: string;
  /** Max connections for this process. Budget: instances x max + worker + reserve <= max_connections. */
  max: number;
  /** Connections kept open when idle (the API's warm-up opens them; capped at max). */
  min?: number;
  /** Wait for a free connection before failing (pg's default 0 waits forever). */
  acquireTimeoutMs: number;
  /** PostgreSQL cancels statements running longer than this. */
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
  /** Called when an idle pooled connection dies (e.g. pg_terminate_backend, PostgreSQL restart). */
  onError?: (err: Error) => void;
  /**
   * connectionString is a transaction-mode pooler (PgBouncer): unnamed statements only, and no
   * session settings at login (PgBouncer 1.18 refuses `options` and `statement_timeout` there, so
   * the pooler sets statement_timeout and jit on its server connections: pgbouncer-config.ts).
   */
  transactionPooler?: boolean;
}

/**
 * One pg.Pool per process, shared by Prisma (through @prisma/adapter-pg) and by the
 * few hand-written hot-path queries.
 *
 * Pattern "bounded pool with fail-fast acquire": see apps/api/test/db/pool-exhaustion.spec.ts.
 */
export function createPool(settings: PoolSettings): pg.Pool {
  const pooled = settings.transactionPooler === true;
  const pool = new pg.Pool({
    ...(pooled ? { Client: UnnamedStatementClient } : {}),
    connectionString: settings.connectionString,
    max: settings.max,
    min: Math.min(settings.min ?? 0, settings.max),
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    // Server-side cancellation, plus a client-side guard slightly above it in case the
    // server itself is unresponsive (a frozen PostgreSQL never sends the cancel).
    statement_timeout: pooled ? undefined : settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 1_000,
    application_name: settings.applicationName,
    // No JIT compilation: this is OLTP (page-bounded queries of a few ms). PostgreSQL JIT-compiles
    // any plan whose estimate passes jit_above_cost, which a per-row subplan reaches on a fresh or
    // stale table: GET /api/tags then took 535 ms instead of 8.6 ms under load (80 ms of it
    // compiling), and the stall sent admission control into shedding. Test: create-pool.spec.ts.
    // (Forcing generic plans for every statement is not on: the release gate at 400 users failed
    // with it and the cause is unproven. The list and feed statements are written so PostgreSQL
    // caches their generic plan by itself: see `opaque` in apps/api/src/articles/article-list.sql.ts.)
    options: pooled ? undefined : '-c jit=off',
    keepAlive: true,
  });
  // Without a listener, an idle client dying (pg_terminate_backend, server restart) emits an
  // unhandled 'error' and crashes the process. The pool discards the client; we just log.
  pool.on('error', (err) => settings.onError?.(err));
  return pool;
}
