import { ApiClient } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_POOL } from '../../src/database/database.module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Pattern "bounded pool with fail-fast acquire" (libs/db/src/create-pool.ts): with every pooled
 * connection busy, a request waits at most DB_POOL_ACQUIRE_TIMEOUT_MS for one and then gets a
 * 503 + Retry-After in the RealWorld shape, instead of hanging until the slow queries end
 * (pg's default acquire timeout of 0 waits forever).
 * The pool is held by statements waiting on an advisory lock the test owns, so they end when the
 * test says, not after a sleep a busy machine could outlast.
 */
const POOL_MAX = 2;
const HOLD_LOCK = 42_4242;
const REQUESTS = 8;
const DB_UNAVAILABLE = { errors: { server: ['the database is temporarily unavailable, please retry'] } };

describe('database pool exhaustion (real PostgreSQL)', () => {
  let t: TestApp;
  let pool: pg.Pool;
  let user: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({
      DB_POOL_MAX: String(POOL_MAX),
      DB_POOL_ACQUIRE_TIMEOUT_MS: '200',
      DB_STATEMENT_TIMEOUT_MS: '120000',
    });
    pool = t.app.get<pg.Pool>(PG_POOL);
    ({ client: user } = await new ApiClient(t.url).actingAsNewUser('pool'));
  });
  afterAll(() => t?.close());

  it('answers 503 + Retry-After while every connection is held, and recovers afterwards', async () => {
    expect((await user.get('/api/user')).status).toBe(200);

    // Hold every connection of the app's own pool: each waits for an advisory lock the test holds.
    const owner = new pg.Client({ connectionString: t.db.url });
    await owner.connect();
    await owner.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    let held = true;
    const holds = Promise.all(Array.from({ length: POOL_MAX }, () => pool.query('SELECT pg_advisory_xact_lock($1)', [HOLD_LOCK])));
    try {
      const deadline = Date.now() + 30_000;
      while (!(pool.totalCount === POOL_MAX && pool.idleCount === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: POOL_MAX, idle: 0 });

      const responses = await Promise.all(
        Array.from({ length: REQUESTS }, async () => {
          const res = await user.get('/api/user');
          return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body, whileHeld: held };
        }),
      );
      const failedFast = responses.filter((r) => r.status === 503 && r.retryAfter === '1' && r.whileHeld);
      expect(failedFast.length, JSON.stringify(responses)).toBe(REQUESTS);
      for (const r of failedFast) expect(r.body).toEqual(DB_UNAVAILABLE);
    } finally {
      held = false;
      await owner.query('SELECT pg_advisory_unlock($1)', [HOLD_LOCK]);
      await owner.end();
    }
    await holds;
    const after = await user.get('/api/user');
    expect(after.status).toBe(200);
    expect(pool.waitingCount).toBe(0);
  });
});
