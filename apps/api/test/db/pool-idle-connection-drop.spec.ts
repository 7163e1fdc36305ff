import { ApiClient, TEST_PG_URL } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_POOL } from '../../src/database/database.module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A pooled connection that dies while idle (pg_terminate_backend here; a PostgreSQL restart or
 * a proxy timeout in production) makes pg.Pool emit 'error'. Unhandled, that event crashes the
 * process; createPool (libs/db/src/create-pool.ts) handles it, the pool drops the dead client,
 * and the next request opens a fresh connection. Running in-process, a crash here would surface
 * as an uncaught exception and fail the run.
 */
describe('dropped idle database connections (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: pg.Client;

  beforeAll(async () => {
    t = await startTestApp({ DB_POOL_MAX: '4' });
    admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  it('survives pg_terminate_backend of every idle app connection and serves the next request', async () => {
    const { client: user } = await new ApiClient(t.url).actingAsNewUser('drop');
    // Open several connections (concurrent requests), then let them go idle in the pool.
    const warm = await Promise.all(Array.from({ length: 6 }, () => user.get('/api/user')));
    expect(warm.map((r) => r.status)).toEqual(Array(6).fill(200));
    const pool = t.app.get<pg.Pool>(PG_POOL);
    const idleBefore = pool.idleCount;
    expect(idleBefore).toBeGreaterThan(0);

    // No listener of our own on the pool: it would hide a missing one in the app.
    const lost = () => t.logs.filter((line) => line.includes('idle database connection lost')).length;
    // The app's backends, found by the application_name it sets (and this test's own database).
    // Two steps on purpose: in one WHERE clause PostgreSQL may call pg_terminate_backend before
    // the filters, on backends that are not ours.
    const backends = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [t.db.name, `conduit-${t.config.INSTANCE_ID}`]);
    expect(backends.rowCount).toBe(pool.totalCount);
    for (const { pid } of backends.rows) {
      expect((await admin.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0].ok).toBe(true);
    }
    const killed = backends;

    // The pool notices each death ('error' on the idle client) and removes the client.
    const deadline = Date.now() + 10_000;
    while ((lost() < killed.rowCount! || pool.totalCount > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lost()).toBe(killed.rowCount);
    expect(pool.totalCount).toBe(0);

    const next = await Promise.all([user.get('/api/user'), user.get('/api/user')]);
    expect(next.map((r) => r.status)).toEqual([200, 200]);
    expect((await new ApiClient(t.url).get('/health/ready')).status).toBe(200);
  });
});
