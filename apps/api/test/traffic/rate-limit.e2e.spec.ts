import { ApiClient, TEST_REDIS_URL, TestRedisServer } from '@conduit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFrom } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LIMITS = {
  RATE_LIMIT_MAX: '8',
  RATE_LIMIT_WINDOW_MS: '60000',
  RATE_LIMIT_LOGIN_MAX: '3',
  RATE_LIMIT_LOGIN_ACCOUNT_MAX: '5',
  RATE_LIMIT_REGISTER_MAX: '2',
};

function expect429(res: { status: number; headers: Record<string, unknown>; body: any }, windowSeconds = 60) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.body).toEqual({ errors: { rate: [expect.stringMatching(/^too many requests, retry in \d+ s$/)] } });
}

describe('rate limits shared through Redis (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;
  const user = { email: '', password: '' };

  beforeAll(async () => {
    t = await startTestApp(LIMITS);
    api = new ApiClient(t.url);
    const u = await requestFrom('127.0.0.60', t.url, 'POST', '/api/users', { body: { user: { username: 'rl_user', email: 'rl@example.test', password: 'password-123' } } });
    expect(u.status).toBe(201);
    user.email = 'rl@example.test';
    const second = await requestFrom('127.0.0.61', t.url, 'POST', '/api/users', { body: { user: { username: 'rl_acct', email: 'acct@example.test', password: 'password-123' } } });
    expect(second.status).toBe(201);
    user.password = 'password-123';
  });
  afterAll(() => t?.close());

  it('limits an anonymous client by address: 429 + Retry-After + RealWorld body', async () => {
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await requestFrom('127.0.0.11', t.url, 'GET', '/api/tags'));
    expect(results.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill(200));
    expect429(results[8]);
    expect429(results[9]);
    // Another address is another client.
    expect((await requestFrom('127.0.0.12', t.url, 'GET', '/api/tags')).status).toBe(200);
    // Health checks are never limited (a load balancer polls from one address).
    for (let i = 0; i < 10; i++) expect((await requestFrom('127.0.0.11', t.url, 'GET', '/health/live')).status).toBe(200);
  });

  it('keys on the user when authenticated, whatever the address', async () => {
    const login = await requestFrom('127.0.0.13', t.url, 'POST', '/api/users/login', { body: { user } });
    expect(login.status).toBe(200);
    const auth = { authorization: `Token ${login.body.user.token}` };
    const statuses: number[] = [];
    // Spread over many addresses: still one bucket (the user).
    for (let i = 0; i < 9; i++) statuses.push((await requestFrom(`127.0.0.${20 + i}`, t.url, 'GET', '/api/user', { headers: auth })).status);
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(200));
    expect(statuses[8]).toBe(429);
    // The address itself is not used up by that user's requests.
    expect((await requestFrom('127.0.0.20', t.url, 'GET', '/api/tags')).status).toBe(200);
  });

  it('ignores X-Forwarded-For from an untrusted direct caller (no spoofing), honours it from a trusted proxy', async () => {
    const spoofed = [];
    for (let i = 0; i < 9; i++) {
      spoofed.push(await requestFrom('127.0.0.30', t.url, 'GET', '/api/tags', { headers: { 'x-forwarded-for': `203.0.113.${i}` } }));
    }
    expect(spoofed[7].status).toBe(200);
    expect429(spoofed[8]); // one bucket: 127.0.0.30, whatever the forged header said
    // 127.0.0.1 is TRUSTED_PROXIES: each forwarded client gets its own bucket.
    for (let i = 0; i < 12; i++) {
      const res = await requestFrom('127.0.0.1', t.url, 'GET', '/api/tags', { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      expect(res.status).toBe(200);
    }
  });

  it('login: a stricter per-address limit (even for the right password) and a per-account limit across addresses', async () => {
    const wrong = { user: { email: user.email, password: 'wrong-password' } };
    const fromOne = [];
    for (let i = 0; i < 4; i++) fromOne.push(await requestFrom('127.0.0.40', t.url, 'POST', '/api/users/login', { body: wrong }));
    expect(fromOne.slice(0, 3).map((r) => r.status)).toEqual([401, 401, 401]);
    expect429(fromOne[3]);
    expect429(await requestFrom('127.0.0.40', t.url, 'POST', '/api/users/login', { body: { user } }), 900);

    // Per account: 5 attempts in total whatever the address (credential stuffing from many addresses).
    const target = { user: { email: 'acct@example.test', password: 'wrong-password' } };
    const spread = [];
    for (let i = 0; i < 6; i++) spread.push(await requestFrom(`127.0.0.${41 + i}`, t.url, 'POST', '/api/users/login', { body: target }));
    expect(spread.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect429(spread[5], 900);
    // Other accounts are unaffected from a fresh address.
    const other = await requestFrom('127.0.0.47', t.url, 'POST', '/api/users/login', { body: { user: { email: 'nobody@example.test', password: 'x-password' } } });
    expect(other.status).toBe(401);
  });

  it('registration: a stricter per-address limit', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await requestFrom('127.0.0.50', t.url, 'POST', '/api/users', { body: { user: { username: `reg_${i}`, email: `reg${i}@example.test`, password: 'password-123' } } });
      statuses.push(res.status);
      if (i === 2) expect429(res, 600);
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect((await api.get('/api/tags')).status).toBe(200);
  });
});

describe('rate limits while Redis is down (own redis-server)', () => {
  const redis = new TestRedisServer();
  let t: TestApp;

  beforeAll(async () => {
    await redis.start();
    t = await startTestApp({ ...LIMITS, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis.stop();
  });

  it('general limit fails open; login and registration fall back to per-instance memory; Redis counting resumes', async () => {
    await redis.kill();
    const general = [];
    for (let i = 0; i < 15; i++) general.push((await requestFrom('127.0.0.70', t.url, 'GET', '/api/tags')).status);
    expect(general).toEqual(Array(15).fill(200)); // over the limit of 8: failing open, no 5xx

    const logins = [];
    for (let i = 0; i < 4; i++) {
      logins.push((await requestFrom('127.0.0.71', t.url, 'POST', '/api/users/login', { body: { user: { email: 'x@example.test', password: 'wrong-password' } } })).status);
    }
    expect(logins).toEqual([401, 401, 401, 429]); // brute force still bounded

    await redis.start();
    let statuses: number[] = [];
    // Back to shared counting once the client has reconnected (the breaker re-probes by itself).
    for (let attempt = 0; attempt < 50; attempt++) {
      statuses = [];
      for (let i = 0; i < 9; i++) statuses.push((await requestFrom(`127.0.0.${80 + attempt}`, t.url, 'GET', '/api/tags')).status);
      if (statuses[8] === 429) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(statuses).toEqual([...Array(8).fill(200), 429]);
  });
});

describe('default limits are sized for real users (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The production defaults (test-app raises them for other test files).
    t = await startTestApp({ RATE_LIMIT_MAX: '600', RATE_LIMIT_LOGIN_MAX: '20', RATE_LIMIT_LOGIN_ACCOUNT_MAX: '10', RATE_LIMIT_REGISTER_MAX: '30' });
  });
  afterAll(() => t?.close());

  it('an address carrying 4 load-test users (1000 users over 127.0.0.2-250) gets through a full minute of their traffic', async () => {
    // Per user and minute at a 1 s think time: ~60 requests. Per address: 4 registrations,
    // 4 logins, their signed-in requests (keyed per user) and anonymous browsing (keyed per address).
    for (const address of ['127.0.0.90', '127.0.0.91']) {
      const tokens: string[] = [];
      for (let u = 0; u < 4; u++) {
        const name = `sized_${address.split('.')[3]}_${u}`;
        const reg = await requestFrom(address, t.url, 'POST', '/api/users', { body: { user: { username: name, email: `${name}@example.test`, password: 'password-123' } } });
        expect(reg.status).toBe(201);
        const login = await requestFrom(address, t.url, 'POST', '/api/users/login', { body: { user: { email: `${name}@example.test`, password: 'password-123' } } });
        expect(login.status).toBe(200);
        tokens.push(login.body.user.token);
      }
      const statuses = new Map<number, number>();
      const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
      for (let i = 0; i < 60; i++) {
        const batch = [
          ...tokens.map((token) => requestFrom(address, t.url, 'GET', '/api/articles', { headers: { authorization: `Token ${token}` } })),
          ...tokens.map(() => requestFrom(address, t.url, 'GET', '/api/tags')),
        ];
        for (const res of await Promise.all(batch)) count(res.status);
      }
      expect(Object.fromEntries(statuses)).toEqual({ 200: 480 });
    }
  });

  it('large limits: hits between syncs reach the shared Redis counter in the background batch, none lost', async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const addresses = ['127.0.0.95', '127.0.0.96', '127.0.0.97'];
      for (let i = 0; i < 12; i++) {
        const statuses = await Promise.all(addresses.map((a) => requestFrom(a, t.url, 'GET', '/api/tags')));
        expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
      }
      // The first hit of each address was synced at once; the other 11 go out with the next flush (500 ms).
      const key = (a: string) => `${t.config.REDIS_KEY_PREFIX}rl:general:ip:${a}`;
      let counts: number[] = [];
      for (let attempt = 0; attempt < 30; attempt++) {
        counts = (await redis.mget(...addresses.map(key))).map(Number);
        if (counts.every((c) => c === 12)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(counts).toEqual([12, 12, 12]);
      // The batch script reads no TTL for a known window, but every key still expires with its window.
      for (const ttl of await Promise.all(addresses.map((a) => redis.pttl(key(a))))) expect(ttl).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it("large limits: signed-in cached reads decided without waiting for Redis still count against the user's limit", async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const name = 'sized_signed_in';
      const reg = await requestFrom('127.0.0.98', t.url, 'POST', '/api/users', { body: { user: { username: name, email: `${name}@example.test`, password: 'password-123' } } });
      expect(reg.status).toBe(201);
      const token: string = reg.body.user.token;
      const userId = Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub);
      // The first read syncs the user's window; the next 11 are decided here (the fast path's local
      // decision) and must reach the shared counter with the background flush.
      for (let i = 0; i < 12; i++) expect((await requestFrom('127.0.0.98', t.url, 'GET', '/api/articles?limit=1', { headers: { authorization: `Token ${token}` } })).status).toBe(200);
      const key = `${t.config.REDIS_KEY_PREFIX}rl:general:u:${userId}`;
      let count = 0;
      for (let attempt = 0; attempt < 30 && count !== 12; attempt++) {
        count = Number(await redis.get(key));
        if (count !== 12) await new Promise((r) => setTimeout(r, 100));
      }
      expect(count).toBe(12);
    } finally {
      redis.disconnect();
    }
  });
});
