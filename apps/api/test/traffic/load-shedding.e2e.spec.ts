import { ApiClient } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

/** Holds an ACCESS EXCLUSIVE lock on `users`: every query on it waits (a stuck database, on demand). */
async function lockUsers(databaseUrl: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await client.query('ROLLBACK').catch(() => {});
    await client.end();
  };
}

describe('load shedding on in-flight requests (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ LOAD_SHED_MAX_IN_FLIGHT: '3', DB_POOL_MAX: '6' });
    api = new ApiClient(t.url);
    ({ token } = await api.actingAsNewUser('shed'));
  });
  afterAll(() => t?.close());

  it('sheds new requests with a fast 503 + Retry-After, reports overload in readiness, and recovers', async () => {
    const unlock = await lockUsers(t.db.url);
    let slow: Promise<{ status: number }[]>;
    try {
      // Three requests stuck on the locked table fill the in-flight budget.
      slow = Promise.all([1, 2, 3].map(() => api.as(token).get('/api/user')));
      await until(async () => (await api.get('/health/ready')).body?.details?.load?.status === 'down', 'readiness to report overload');
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details.load).toMatchObject({ status: 'down', message: 'overloaded (in-flight), shedding new requests' });

      const shed = await Promise.all(Array.from({ length: 10 }, () => api.get('/api/tags')));
      for (const res of shed) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.body, JSON.stringify(res.body)).toEqual({ errors: { server: ['overloaded (in-flight), please retry'] } });
      }
      expect((await api.get('/health/live')).status).toBe(200); // never shed
      const metrics = await api.get('/metrics');
      expect(metrics.body).toMatch(/load_shed_total\{reason="in_flight"\} [1-9]/);
    } finally {
      await unlock();
    }
    expect((await slow!).map((r) => r.status)).toEqual([200, 200, 200]); // the admitted ones finish
    await until(async () => (await api.get('/health/ready')).body?.details?.load?.status === 'up', 'readiness to recover');
    expect((await api.get('/api/tags')).status).toBe(200);
  });
});

describe('load shedding on event-loop delay (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '150' });
    api = new ApiClient(t.url);
  });
  afterAll(() => t?.close());

  it('sheds while the event loop is blocked, then recovers by itself', async () => {
    expect((await api.get('/api/tags')).status).toBe(200);
    // Block the (shared, in-process) event loop in 300 ms rounds: the shedder's next sample sees a
    // p99 delay far above 150 ms and refuses the request sent right after a block.
    let shed: { status: number; body: unknown } | undefined;
    for (let round = 0; round < 10 && !shed; round++) {
      const end = Date.now() + 300;
      while (Date.now() < end) { /* busy */ }
      await sleep(10);
      const res = await api.get('/api/tags');
      if (res.status === 503) shed = res;
      else expect(res.status).toBe(200);
    }
    expect(shed?.body).toEqual({ errors: { server: ['overloaded (event-loop), please retry'] } });
    await until(async () => (await api.get('/api/tags')).status === 200, 'shedding to stop');
  });
});

describe('request timeout (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ REQUEST_TIMEOUT_MS: '400', DB_STATEMENT_TIMEOUT_MS: '20000', DB_POOL_ACQUIRE_TIMEOUT_MS: '20000' });
    api = new ApiClient(t.url);
    ({ token } = await api.actingAsNewUser('slow'));
  });
  afterAll(() => t?.close());

  it('answers a request stuck on the database with a clear 503, not a hung socket', async () => {
    const unlock = await lockUsers(t.db.url);
    try {
      const res = await api.as(token).get('/api/user');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toEqual({ errors: { server: ['the request took longer than 400 ms, please retry'] } });
    } finally {
      await unlock();
    }
    expect((await api.as(token).get('/api/user')).status).toBe(200);
  });
});
