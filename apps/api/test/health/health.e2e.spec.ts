import { ApiClient, freePort } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Addresses nothing listens on: ports the OS just reported free, never bound by this test.
const closedPgUrl = async () => `postgresql://postgres@127.0.0.1:${await freePort()}/conduit`;
const closedRedisUrl = async () => `redis://127.0.0.1:${await freePort()}`;

/** Repeats `fn` until `done` holds (bounded: fails after `timeoutMs`), returning the last result. */
async function pollUntil<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('health endpoints (e2e, real PostgreSQL and Redis)', () => {
  describe('with every dependency up', () => {
    let t: TestApp;
    let api: ApiClient;
    beforeAll(async () => {
      // A generous event-loop limit: this machine is shared, and that check is not under test here.
      t = await startTestApp({});
      api = new ApiClient(t.url);
    });
    afterAll(() => t?.close());

    it('live answers 200 without touching dependencies', async () => {
      const res = await api.get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok' });
      expect(JSON.stringify(res.body)).not.toMatch(/database|redis/);
    });

    it('ready answers 200 and reports each check', async () => {
      // Redis connects in the background after start; until then it is (correctly) degraded.
      const res = await pollUntil(
        () => api.get('/health/ready'),
        (r) => r.body?.details?.redis?.status === 'up',
      );
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
      for (const check of ['shutdown', 'load', 'database', 'redis', 'eventLoop', 'heap']) {
        expect(res.body.details[check]?.status, check).toBe('up');
      }
      expect(res.body.details.database.pool).toMatchObject({ total: expect.any(Number), idle: expect.any(Number), waiting: 0 });
    });

    it('is served outside the /api prefix and without a token', async () => {
      expect((await api.get('/api/health/ready')).status).toBe(404);
    });
  });

  describe('with the database pool saturated (a busy instance, not a broken one)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ DB_POOL_MAX: '2', DB_POOL_ACQUIRE_TIMEOUT_MS: '20000', DB_STATEMENT_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '30000' });
    });
    afterAll(() => t?.close());

    it('ready stays 200 and fast: it reads the background probe (own connection), never the app pool', async () => {
      const api = new ApiClient(t.url);
      const { token } = await api.actingAsNewUser('busy');
      const locker = new pg.Client({ connectionString: t.db.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      // Four requests on a pool of two: two hold its connections (stuck on the lock), two wait for one.
      const stuck = [1, 2, 3, 4].map(() => api.as(token).get('/api/user'));
      try {
        const busy = await pollUntil(
          () => api.get('/health/ready'),
          (r) => r.body?.details?.load?.inFlight === 4 && r.body?.details?.database?.pool?.idle === 0,
        );
        expect(busy.body.details.database.pool.idle).toBe(0);
        const started = Date.now();
        const ready = await api.get('/health/ready');
        // A check that went through the app pool would wait for DB_POOL_ACQUIRE_TIMEOUT_MS (20 s here):
        // a bound far below that, and far above any scheduling delay on a busy box, tells the two apart.
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(ready.status).toBe(200);
        expect(ready.body.details.database.status).toBe('up');
        expect(ready.body.details.load).toMatchObject({ status: 'up', inFlight: 4 });
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      expect((await Promise.all(stuck)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    });
  });

  describe('with Redis unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ REDIS_URL: await closedRedisUrl() });
    });
    afterAll(() => t?.close());

    it('ready stays 200 and shows redis as degraded, not down (the cache fails open)', async () => {
      const res = await new ApiClient(t.url).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.details.redis.status).toBe('degraded');
      expect(res.body.details.database.status).toBe('up');
      expect(res.body.error ?? {}).not.toHaveProperty('redis');
    });
  });

  describe('with PostgreSQL unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ DATABASE_URL: await closedPgUrl(), DB_POOL_ACQUIRE_TIMEOUT_MS: '500' });
    });
    afterAll(() => t?.close());

    it('ready answers 503 naming the database, while live stays 200', async () => {
      const api = new ApiClient(t.url);
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('error');
      expect(ready.body.details.database.status).toBe('down');
      // The database is the (only) reason: every other check is fine.
      expect(Object.keys(ready.body.error)).toEqual(['database']);
      const live = await api.get('/health/live');
      expect(live.status).toBe(200);
    });

    it('API routes that need the database answer 503 with Retry-After in the RealWorld shape', async () => {
      const res = await new ApiClient(t.url).post('/api/users/login', { user: { email: 'a@b.test', password: 'whatever-1' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toEqual({ errors: { server: [expect.any(String)] } });
    });
  });
});
