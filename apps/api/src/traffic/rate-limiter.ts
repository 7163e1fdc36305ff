import type { Redis } from 'ioredis';
import { RedisBreaker, UNAVAILABLE } from '@conduit/cache';
import { Counter } from 'prom-client';
import { metricsRegistry } from '@conduit/observability';
import { BatchedWindow, type SyncResult } from './batched-window.js';
import { MemoryWindow } from './memory-window.js';

export interface LimitRule {
  /** Policy name, part of the key and of the metric labels (general, login, login-account, register). */
  name: string;
  max: number;
  windowMs: number;
  /** What to do when Redis cannot be asked: let the request through, or count in this instance's memory. */
  whenRedisDown: 'allow' | 'memory';
  /** Batch this rule's Redis updates per instance (BatchedWindow); exact per-request counting otherwise. */
  batched?: boolean;
}

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
  /** 'redis', 'memory' (fallback) or 'open' (Redis down, failing open). */
  counter: 'redis' | 'memory' | 'open';
}

const rateLimitedTotal = new Counter({
  name: 'rate_limit_rejections_total',
  help: 'Requests rejected with 429, by rate-limit policy',
  labelNames: ['policy'] as const,
  registers: [metricsRegistry],
});

const rateLimitDegradedTotal = new Counter({
  name: 'rate_limit_degraded_total',
  help: 'Rate-limit checks made without Redis, by policy and fallback (open, memory)',
  labelNames: ['policy', 'fallback'] as const,
  registers: [metricsRegistry],
});

/**
 * INCR + PEXPIRE in one atomic step; the window starts at the key's first hit and the
 * remaining time comes back for Retry-After. (A lost PEXPIRE can never leave an immortal key.)
 */
const FIXED_WINDOW_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/**
 * The background flush of many keys in one call: ARGV = windowMs, then one amount per key; returns
 * count, ttl pairs. One command per key (INCRBY): the caller already knows each window's reset from
 * the key's first (blocking) sync, so the time left is read only when INCRBY created the key (a new
 * window, which gets its PEXPIRE in the same atomic step); otherwise ttl comes back as -1, "unchanged".
 */
const FIXED_WINDOW_MANY_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[i + 1])
  local count = redis.call('INCRBY', key, amount)
  local ttl = -1
  if count == amount then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[2 * i - 1] = count
  out[2 * i] = ttl
end
return out`;

type LimiterRedis = Redis & {
  rateLimitHit(key: string, windowMs: number, amount: number): Promise<[number, number]>;
  rateLimitHitMany(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

/**
 * Rate limits shared by all instances (pattern: distributed fixed-window rate limiting).
 * Protects against: one client (or a brute-force/bot run against login and registration) using
 * up capacity meant for everyone. Fixed window chosen over a sliding log: one atomic Lua call
 * and one small key per client per window; the price is that a client can send up to 2x the
 * limit across a window boundary, which these limits tolerate.
 * The general limit batches its Redis updates per instance (BatchedWindow: a blocking sync on a
 * client's first hit and every ~5% of the limit; otherwise all clients' counts in one script call
 * every 500 ms instead of one call per request).
 * Redis down: rules with whenRedisDown 'allow' fail open (availability first; load shedding still
 * protects the instance), 'memory' rules count per instance so brute force stays bounded.
 * Tested in apps/api/test/traffic/rate-limit.e2e.spec.ts; Redis commands of the flush counted in
 * apps/api/test/cache/redis-commands.e2e.spec.ts.
 */
export class RateLimiter {
  private readonly breaker: RedisBreaker;
  private readonly memory = new MemoryWindow();
  private readonly batches = new Map<string, BatchedWindow>();

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('rateLimitHit' in redis)) redis.defineCommand('rateLimitHit', { lua: FIXED_WINDOW_SCRIPT, numberOfKeys: 1 });
    if (!('rateLimitHitMany' in redis)) redis.defineCommand('rateLimitHitMany', { lua: FIXED_WINDOW_MANY_SCRIPT });
    this.breaker = new RedisBreaker(redis);
  }

  async hit(rule: LimitRule, subject: string): Promise<LimitDecision> {
    const key = `${this.prefix}rl:${rule.name}:${subject}`;
    let result: readonly [number, number] | typeof UNAVAILABLE;
    if (rule.batched) {
      const batched = await this.batchFor(rule).hit(key);
      result = batched === 'unavailable' ? UNAVAILABLE : [batched.count, batched.resetInMs];
    } else {
      result = await this.breaker.run('ratelimit', (r) => (r as LimiterRedis).rateLimitHit(key, rule.windowMs, 1));
    }
    let count: number;
    let resetInMs: number;
    let counter: LimitDecision['counter'];
    if (result === UNAVAILABLE) {
      rateLimitDegradedTotal.inc({ policy: rule.name, fallback: rule.whenRedisDown === 'allow' ? 'open' : 'memory' });
      if (rule.whenRedisDown === 'allow') return { allowed: true, retryAfterSeconds: 0, counter: 'open' };
      ({ count, resetInMs } = this.memory.hit(key, rule.windowMs));
      counter = 'memory';
    } else {
      [count, resetInMs] = result;
      counter = 'redis';
    }
    const allowed = count <= rule.max;
    if (!allowed) rateLimitedTotal.inc({ policy: rule.name });
    return { allowed, retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)), counter };
  }

  /**
   * For a batched rule: counts a hit and returns true when it can be allowed without waiting for
   * Redis (BatchedWindow.tryHitWithin); false means nothing was counted and `hit` must decide.
   */
  tryHitLocally(rule: LimitRule, subject: string): boolean {
    return rule.batched === true && this.batchFor(rule).tryHitWithin(`${this.prefix}rl:${rule.name}:${subject}`, rule.max);
  }

  private batchFor(rule: LimitRule): BatchedWindow {
    let batch = this.batches.get(rule.name);
    if (!batch) {
      // At most ~5% of the limit (and 100 hits) unsent per instance; at least every 500 ms.
      const syncEvery = Math.max(1, Math.min(100, Math.floor(rule.max / 20)));
      const one = async (key: string, amount: number): Promise<SyncResult> => {
        const r = await this.breaker.run('ratelimit', (redis) => (redis as LimiterRedis).rateLimitHit(key, rule.windowMs, amount));
        return r === UNAVAILABLE ? 'unavailable' : r;
      };
      // The background flush: every key's unsent hits in one script call (one command, one round trip).
      const many = async (items: Array<{ key: string; amount: number }>): Promise<SyncResult[]> => {
        const keys = items.map((i) => i.key);
        const r = await this.breaker.run('ratelimit', (redis) => (redis as LimiterRedis).rateLimitHitMany(keys.length, ...keys, rule.windowMs, ...items.map((i) => i.amount)));
        if (r === UNAVAILABLE) return items.map(() => 'unavailable');
        return items.map((_, i): SyncResult => [Number(r[2 * i]), Number(r[2 * i + 1])]);
      };
      batch = new BatchedWindow(one, { syncEvery, syncMs: 500 }, Date.now, many);
      this.batches.set(rule.name, batch);
    }
    return batch;
  }
}
