import { TestRedisServer } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFrom, type RawResponse } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { deleteRedisKeys } from '../chat/support/chat-client.js';

const LIMITS = { RATE_LIMIT_LOGIN_MAX: '3', RATE_LIMIT_LOGIN_ACCOUNT_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' };

function expect429(res: RawResponse) {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(res.body.errors.rate).toHaveLength(1);
}

/**
 * Brute force against login across TWO API instances sharing one PostgreSQL database and one
 * Redis (same key prefix), i.e. what the load balancer spreads an attacker over. The documented
 * behaviour (apps/api/src/traffic/rate-limiter.ts): login limits are shared through Redis; while
 * Redis is down each instance counts in its own memory, so brute force stays bounded per
 * instance (at most instances x limit), never unlimited. apps/api/test/traffic/rate-limit.e2e.spec.ts
 * covers one instance; this file proves the limits hold across instances.
 */
async function startPair(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const a = await startTestApp(env);
  const b = await startTestApp({ ...env, DATABASE_URL: a.db.url, REDIS_KEY_PREFIX: a.config.REDIS_KEY_PREFIX });
  return [a, b];
}

async function register(t: TestApp, source: string, name: string) {
  const res = await requestFrom(source, t.url, 'POST', '/api/users', { body: { user: { username: name, email: `${name}@example.test`, password: 'password-123' } } });
  expect(res.status).toBe(201);
  return `${name}@example.test`;
}

describe('login brute force across two instances sharing Redis (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await startPair(LIMITS);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (a) await deleteRedisKeys(a.config.REDIS_URL, a.config.REDIS_KEY_PREFIX);
  });

  it('one client alternating instances gets 3 attempts in total, then 429 + Retry-After on both, even with the right password', async () => {
    const email = await register(a, '127.0.0.110', 'bf_client');
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await requestFrom('127.0.0.111', (i % 2 ? b : a).url, 'POST', '/api/users/login', { body: { user: { email, password: `wrong-${i}-password` } } });
      statuses.push(res.status);
      if (i === 3) expect429(res);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    for (const t of [a, b]) expect429(await requestFrom('127.0.0.111', t.url, 'POST', '/api/users/login', { body: { user: { email, password: 'password-123' } } }));
    // Another client logging in to another account is not affected. (This account has now seen 6
    // attempts, refused ones included: its own per-account limit of 5 is spent as well.)
    const other = await register(b, '127.0.0.113', 'bf_client_other');
    expect((await requestFrom('127.0.0.112', b.url, 'POST', '/api/users/login', { body: { user: { email: other, password: 'password-123' } } })).status).toBe(200);
    expect429(await requestFrom('127.0.0.114', b.url, 'POST', '/api/users/login', { body: { user: { email, password: 'password-123' } } }));
  });

  it('one account attacked from many addresses over both instances gets 5 attempts in total, then 429 everywhere', async () => {
    const email = await register(b, '127.0.0.120', 'bf_account');
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const res = await requestFrom(`127.0.0.${121 + i}`, (i % 2 ? b : a).url, 'POST', '/api/users/login', { body: { user: { email, password: 'wrong-password' } } });
      statuses.push(res.status);
      if (res.status === 429) expect429(res);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Case and whitespace variants of the email are the same account.
    expect429(await requestFrom('127.0.0.130', a.url, 'POST', '/api/users/login', { body: { user: { email: `  ${email.toUpperCase()} `, password: 'wrong-password' } } }));
  });
});

describe('login brute force across two instances while their shared Redis is down (own redis-server)', () => {
  const redis = new TestRedisServer();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    await redis.start();
    [a, b] = await startPair({ ...LIMITS, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis.stop();
  });

  it('each instance falls back to its own memory: at most limit x instances attempts, never unlimited, never 5xx', async () => {
    const email = await register(a, '127.0.0.140', 'bf_down');
    const second = await register(a, '127.0.0.140', 'bf_down_account');
    await redis.kill();
    const perInstance: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < 10; i++) {
      const [name, t] = i % 2 ? (['b', b] as const) : (['a', a] as const);
      const res = await requestFrom('127.0.0.141', t.url, 'POST', '/api/users/login', { body: { user: { email, password: 'wrong-password' } } });
      perInstance[name].push(res.status);
      if (res.status === 429) expect429(res);
    }
    // 3 per address per instance, then 429 on each: 6 attempts got through in total, not 10.
    expect(perInstance.a).toEqual([401, 401, 401, 429, 429]);
    expect(perInstance.b).toEqual([401, 401, 401, 429, 429]);
    // The per-account limit still applies (per instance) to attempts from many fresh addresses.
    for (const t of [a, b]) {
      const spread = [];
      for (let i = 0; i < 7; i++) {
        spread.push((await requestFrom(`127.0.0.${(t === a ? 150 : 160) + i}`, t.url, 'POST', '/api/users/login', { body: { user: { email: second, password: 'wrong-password' } } })).status);
      }
      expect(spread).toEqual([401, 401, 401, 401, 401, 429, 429]);
    }
  });
});
