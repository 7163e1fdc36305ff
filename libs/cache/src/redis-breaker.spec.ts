import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisBreaker, UNAVAILABLE } from './redis-breaker.js';

/** A client stand-in: its status, and PINGs answered by `pong` (a probe's outcome), each counted. */
function fakeRedis(status = 'ready') {
  const fake = { status, pings: 0, pong: (): Promise<string> => Promise.reject(new Error('Command timed out')) };
  const redis = Object.assign(fake, {
    ping: () => {
      fake.pings++;
      return fake.pong();
    },
  });
  return redis as typeof redis & Redis;
}

const clock = () => {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
};
const fail = async (): Promise<never> => {
  throw new Error('Command timed out');
};
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('RedisBreaker', () => {
  it('skips Redis at once while disconnected, without calling it', async () => {
    const failures: string[] = [];
    const breaker = new RedisBreaker(fakeRedis('reconnecting'), { onFailure: (op, reason) => failures.push(`${op}:${reason}`) });
    let called = false;
    expect(
      await breaker.run('get', async () => {
        called = true;
        return 'x';
      }),
    ).toBe(UNAVAILABLE);
    expect(called).toBe(false);
    expect(failures).toEqual(['get:skipped']);
  });

  it('once open, sends nothing to Redis: one background probe per open period, the period doubling up to its bound', async () => {
    const c = clock();
    const redis = fakeRedis();
    const breaker = new RedisBreaker(redis, { failureThreshold: 3, openMs: 500, maxOpenMs: 4_000, now: c.now });
    for (let i = 0; i < 3; i++) expect(await breaker.run('get', fail)).toBe(UNAVAILABLE);
    expect(breaker.stats).toMatchObject({ state: 'open', commands: 3, probes: 0, openMs: 500 });

    let commands = 0;
    const call = () =>
      breaker.run('get', async () => {
        commands++;
        return 'v';
      });
    const periods: number[] = [];
    for (let round = 0; round < 6; round++) {
      // Inside the open period: 100 calls, nothing sent (no command, no probe).
      for (let i = 0; i < 100; i++) expect(await call()).toBe(UNAVAILABLE);
      expect(redis.pings).toBe(round);
      periods.push(breaker.stats.openMs);
      c.t += breaker.stats.openMs;
      // The period is over: the next calls start ONE probe between them, and still skip (nobody waits for it).
      const burst = await Promise.all(Array.from({ length: 20 }, call));
      expect(burst.every((r) => r === UNAVAILABLE)).toBe(true);
      expect(redis.pings).toBe(round + 1);
      await settle(); // the probe fails: open again, for twice as long
      expect(breaker.stats.state).toBe('open');
    }
    expect(commands).toBe(0);
    expect(periods).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(breaker.stats.maxProbesInFlight).toBe(1);
  });

  it('a successful probe closes it: commands flow again and the backoff starts over', async () => {
    const c = clock();
    const redis = fakeRedis();
    const breaker = new RedisBreaker(redis, { failureThreshold: 2, openMs: 500, now: c.now });
    await breaker.run('get', fail);
    await breaker.run('get', fail);
    c.t += 500;
    await breaker.run('get', async () => 'skipped');
    await settle(); // probe failed -> 1 s
    expect(breaker.stats.openMs).toBe(1_000);
    redis.pong = () => Promise.resolve('PONG');
    c.t += 1_000;
    expect(await breaker.run('get', async () => 'not yet')).toBe(UNAVAILABLE);
    await settle();
    expect(breaker.stats).toMatchObject({ state: 'closed', openMs: 500, probes: 2 });
    expect(await breaker.run('get', async () => 'ok')).toBe('ok');
  });

  it('a success resets the failure count', async () => {
    const breaker = new RedisBreaker(fakeRedis(), { failureThreshold: 2 });
    await breaker.run('a', fail);
    await breaker.run('a', async () => 1);
    await breaker.run('a', fail);
    expect(breaker.available).toBe(true);
  });

  it('is shared by every breaker on the same client: one detection opens it for all, one probe for all', async () => {
    const c = clock();
    const redis = fakeRedis();
    const cache = new RedisBreaker(redis, { failureThreshold: 3, now: c.now });
    const limiter = new RedisBreaker(redis);
    for (let i = 0; i < 3; i++) await cache.run('get', fail);
    let called = false;
    expect(
      await limiter.run('hit', async () => {
        called = true;
        return 1;
      }),
    ).toBe(UNAVAILABLE);
    expect(called).toBe(false);
    c.t += 500;
    await Promise.all([cache.run('get', fail), limiter.run('hit', fail)]);
    expect(redis.pings).toBe(1);
    expect(new RedisBreaker(fakeRedis()).available).toBe(true);
  });
});
