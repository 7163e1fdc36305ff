import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisBreaker, UNAVAILABLE } from './redis-breaker.js';

const fakeRedis = (status: string) => ({ status }) as unknown as Redis;

describe('RedisBreaker', () => {
  it('skips Redis at once while disconnected, without calling it', async () => {
    const failures: string[] = [];
    const breaker = new RedisBreaker(fakeRedis('reconnecting'), { onFailure: (op, reason) => failures.push(`${op}:${reason}`) });
    let called = false;
    expect(await breaker.run('get', async () => { called = true; return 'x'; })).toBe(UNAVAILABLE);
    expect(called).toBe(false);
    expect(failures).toEqual(['get:skipped']);
  });

  it('opens after consecutive failures and lets traffic probe again after openMs', async () => {
    const breaker = new RedisBreaker(fakeRedis('ready'), { failureThreshold: 3, openMs: 60 });
    const fail = async () => { throw new Error('Command timed out'); };
    for (let i = 0; i < 3; i++) expect(await breaker.run('get', fail)).toBe(UNAVAILABLE);
    expect(breaker.available).toBe(false);
    let called = false;
    expect(await breaker.run('get', async () => { called = true; return 1; })).toBe(UNAVAILABLE);
    expect(called).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(await breaker.run('get', async () => 'ok')).toBe('ok');
  });

  it('a success resets the failure count', async () => {
    const breaker = new RedisBreaker(fakeRedis('ready'), { failureThreshold: 2, openMs: 10_000 });
    const fail = async () => { throw new Error('x'); };
    await breaker.run('a', fail);
    await breaker.run('a', async () => 1);
    await breaker.run('a', fail);
    expect(breaker.available).toBe(true);
  });
});
