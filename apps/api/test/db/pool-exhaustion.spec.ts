import { ApiClient } from '@conduit/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_POOL } from '../../src/database/database.module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Pattern "bounded pool with fail-fast acquire" (libs/db/src/create-pool.ts): with every pooled
 * connection busy, a request waits at most DB_POOL_ACQUIRE_TIMEOUT_MS for one and then gets a
 * 503 + Retry-After in the RealWorld shape, instead of hanging until the slow queries end
 * (pg's default acquire timeout of 0 waits forever).
 */
const POOL_MAX = 2;
const SLEEP_SECONDS = 4;
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
      DB_STATEMENT_TIMEOUT_MS: String((SLEEP_SECONDS + 5) * 1000),
      HEALTH_MAX_EVENT_LOOP_DELAY_MS: '10000',
    });
    pool = t.app.get<pg.Pool>(PG_POOL);
    ({ client: user } = await new ApiClient(t.url).actingAsNewUser('pool'));
  });
  afterAll(() => t?.close());

  it('answers 503 + Retry-After while every connection is held, and recovers afterwards', async () => {
    expect((await user.get('/api/user')).status).toBe(200);

    // Hold every connection of the app's own pool with a slow statement.
    let sleepsEnded = false;
    const sleeps = Promise.all(Array.from({ length: POOL_MAX }, () => pool.query(`SELECT pg_sleep(${SLEEP_SECONDS})`))).finally(() => {
      sleepsEnded = true;
    });
    const deadline = Date.now() + 10_000;
    while (!(pool.totalCount === POOL_MAX && pool.idleCount === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: POOL_MAX, idle: 0 });

    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, async () => {
        const res = await user.get('/api/user');
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body, beforeSleepsEnded: !sleepsEnded };
      }),
    );
    const failedFast = responses.filter((r) => r.status === 503 && r.retryAfter === '1' && r.beforeSleepsEnded);
    expect(failedFast.length, JSON.stringify(responses)).toBe(REQUESTS);
    for (const r of failedFast) expect(r.body).toEqual(DB_UNAVAILABLE);

    await sleeps;
    expect(sleepsEnded).toBe(true);
    const after = await user.get('/api/user');
    expect(after.status).toBe(200);
    expect(pool.waitingCount).toBe(0);
  });
});
