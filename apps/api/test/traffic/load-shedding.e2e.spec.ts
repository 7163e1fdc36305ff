import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockUsers, sleep, until } from '../support/stuck-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('admission control: concurrency limit with priorities (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;
  let token: string;
  let email: string;
  let password: string;

  beforeAll(async () => {
    // Limit pinned at 4 (min = max): critical may fill 4, signed-in reads 3, anonymous reads 2.
    t = await startTestApp({ LOAD_SHED_MAX_IN_FLIGHT: '4', LOAD_SHED_MIN_CONCURRENCY: '4', DB_POOL_MAX: '8' });
    api = new ApiClient(t.url);
    ({ token, email, password } = await api.actingAsNewUser('shed'));
  });
  afterAll(() => t?.close());

  const inFlight = async () => (await api.get('/health/ready')).body?.details?.load?.inFlight as number;

  it('sheds anonymous reads first with a fast 503 + Retry-After, keeps readiness 200, admits signed-in work, and recovers', async () => {
    const unlock = await lockUsers(t.db.url);
    const slow: Promise<{ status: number }>[] = [];
    try {
      // Two signed-in reads stuck on the locked table: anonymous reads (share 2 of 4) are now refused.
      slow.push(api.as(token).get('/api/user'), api.as(token).get('/api/user'));
      await until(async () => (await inFlight()) === 2, 'two requests in flight');
      const started = Date.now();
      const shed = await Promise.all(Array.from({ length: 10 }, () => api.get('/api/tags')));
      for (const res of shed) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.body, JSON.stringify(res.body)).toEqual({ errors: { server: ['overloaded (concurrency limit), please retry'] } });
      }
      // Refused before routing and the database: fast even though every admitted request is stuck.
      expect(Date.now() - started).toBeLessThan(2_000);

      // Busy is not unhealthy: readiness stays 200 and reports the shedding.
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.load).toMatchObject({ status: 'up', inFlight: 2, limit: 4, shedding: true });
      expect(ready.body.details.load.shed.low).toBeGreaterThanOrEqual(10);
      expect((await api.get('/health/live')).status).toBe(200);

      // A signed-in read still fits (share 3), then signed-in reads are refused too.
      slow.push(api.as(token).get('/api/user'));
      await until(async () => (await inFlight()) === 3, 'three requests in flight');
      expect((await api.as(token).get('/api/tags')).status).toBe(503);
      const metrics = await api.get('/metrics');
      expect(metrics.body).toMatch(/load_shed_total\{reason="concurrency_limit",priority="low"\} [1-9]/);
      expect(metrics.body).toMatch(/load_shed_total\{reason="concurrency_limit",priority="normal"\} [1-9]/);
      expect(metrics.body).toMatch(/admission_concurrency_limit 4/);
    } finally {
      await unlock();
    }
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200, 200]); // the admitted ones finish
    await until(async () => (await inFlight()) === 0, 'in-flight back to 0');
    expect((await api.get('/api/tags')).status).toBe(200);
    expect((await api.get('/health/ready')).body.details.load.shedding).toBe(false);
  });

  it('does not count sign-ins against the limit: they have their own bulkhead, and reads keep their share', async () => {
    const unlock = await lockUsers(t.db.url);
    let signIns: Promise<{ status: number }>[];
    try {
      // Five sign-ins stuck on the locked table: more than the whole limit of 4.
      signIns = Array.from({ length: 5 }, () => api.post('/api/users/login', { user: { email, password } }));
      await until(async () => (await inFlight()) === 5, 'five sign-ins in flight');
      const load = (await api.get('/health/ready')).body.details.load;
      expect(load).toMatchObject({ inFlight: 5, limitedInFlight: 0, shedding: false });
      // Anonymous reads (share 2 of 4) are still admitted.
      for (const res of await Promise.all([1, 2, 3].map(() => api.get('/api/tags')))) expect(res.status).toBe(200);
    } finally {
      await unlock();
    }
    // The sign-ins were admitted and answered.
    expect((await Promise.all(signIns)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await until(async () => (await inFlight()) === 0, 'in-flight back to 0');
  });

  it('answers health checks ahead of admission control, even when everything else is refused', async () => {
    const unlock = await lockUsers(t.db.url);
    // Three signed-in reads (their share) and one write fill the whole limit of 4.
    const slow = [1, 2, 3].map(() => api.as(token).get('/api/user'));
    try {
      await until(async () => (await inFlight()) === 3, 'three reads in flight');
      slow.push(api.as(token).put('/api/user', { user: { bio: 'busy' } }));
      await until(async () => (await inFlight()) === 4, 'the whole limit in flight');
      // A write (critical) is refused now too: the limit is full.
      expect((await api.as(token).post('/api/articles', { article: { title: 'x', description: 'x', body: 'x' } })).status).toBe(503);
      for (const path of ['/health/live', '/health/ready']) expect((await api.get(path)).status, path).toBe(200);
    } finally {
      await unlock();
    }
    await Promise.all(slow);
  });
});

describe('load shedding on event-loop delay (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    // No stale answers (stale-on-overload.e2e.spec.ts): the tags read first would answer the shed reads.
    t = await startTestApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '150', CACHE_STALE_ON_OVERLOAD_MS: '0' });
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
      while (Date.now() < end) {
        /* busy */
      }
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
