import type { Redis } from 'ioredis';
import { redisReady, TestRedisServer } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFailFastRedis, RedisBreaker, UNAVAILABLE } from '@conduit/cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most probes the backoff allows in `elapsedMs` after opening: probe j starts after the first j open periods. */
function probeBound(elapsedMs: number, openMs: number, maxOpenMs: number): number {
  let j = 0;
  let at = 0;
  for (let period = openMs; at + period <= elapsedMs; period = Math.min(period * 2, maxOpenMs)) {
    at += period;
    j++;
  }
  return j;
}

/**
 * The breaker against a real, frozen redis-server (SIGSTOP: the connection stays up, every command
 * waits for the client's commandTimeout). Asserted by counts, never by timings: after the first
 * detection no call sends a command, at most one probe per open period and never two at once,
 * and after the thaw a probe closes it by itself.
 */
describe('RedisBreaker with the cache Redis frozen (own redis-server)', () => {
  const server = new TestRedisServer();
  let redis: Redis;

  beforeAll(async () => {
    await server.start();
    redis = createFailFastRedis({ url: server.url, commandTimeoutMs: 100, name: 'breaker-freeze' });
    await redisReady(redis);
  });
  afterAll(async () => {
    server.thaw();
    redis?.disconnect();
    await server.stop();
  });

  it('skips Redis after the first detection, probes once per backoff period, and closes after the thaw', async () => {
    const breaker = new RedisBreaker(redis, { failureThreshold: 3, openMs: 200, maxOpenMs: 800 });
    const get = () => breaker.run('get', (r) => r.get('breaker:k'));
    const state = (): string => breaker.stats.state;
    expect(await get()).toBeNull();

    server.freeze();
    let beforeOpening = Date.now();
    let results: unknown[] = [];
    try {
      // Sequential calls, as one client would send requests one at a time.
      // (The clock is read before each call: the breaker opened after the last reading, so the elapsed time below is an upper bound.)
      while (state() === 'closed') {
        beforeOpening = Date.now();
        results.push(await get());
      }
      const commandsAtOpen = breaker.stats.commands;
      expect(commandsAtOpen).toBe(1 + 3); // the healthy call, then the threshold's three timeouts
      for (let i = 0; i < 400; i++) {
        results.push(await get());
        await sleep(5);
      }
      const elapsed = Date.now() - beforeOpening;
      expect(results.every((r) => r === UNAVAILABLE)).toBe(true);
      expect(breaker.stats.commands).toBe(commandsAtOpen); // nothing sent by the calls while open
      expect(breaker.stats.probes).toBeGreaterThanOrEqual(1);
      expect(breaker.stats.probes).toBeLessThanOrEqual(probeBound(elapsed, 200, 800));
      expect(breaker.stats.maxProbesInFlight).toBe(1);
    } finally {
      server.thaw();
    }
    results = [];
    for (let i = 0; i < 400 && state() !== 'closed'; i++) {
      results.push(await get());
      await sleep(10);
    }
    expect(state()).toBe('closed');
    expect(await get()).toBeNull();
  });
});
