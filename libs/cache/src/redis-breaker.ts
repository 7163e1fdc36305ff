import type { Redis } from 'ioredis';

/** Returned instead of a value when Redis could not be used; callers fall back (fail open). */
export const UNAVAILABLE: unique symbol = Symbol('redis-unavailable');
export type Unavailable = typeof UNAVAILABLE;

export interface RedisBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
  /** How long an open breaker skips Redis before letting commands try again. */
  openMs?: number;
  /** Called for every failed or skipped call (metrics). */
  onFailure?: (op: string, reason: 'error' | 'skipped') => void;
}

/**
 * Fail-open gate in front of a fail-fast client (pattern: circuit breaker).
 * Protects against: every request paying the full command timeout while Redis is frozen or
 * unreachable. Disconnected -> skip at once; after a few consecutive failures (timeouts), skip
 * for `openMs`, then let traffic probe again. Never throws: returns UNAVAILABLE instead.
 * Tested in libs/cache/src/redis-breaker.spec.ts and apps/api/test/cache/redis-outage.e2e.spec.ts.
 */
export class RedisBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;
  private readonly failureThreshold: number;
  private readonly openMs: number;

  constructor(readonly redis: Redis, private readonly options: RedisBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 500;
  }

  /** True when a command would be attempted now (connected and breaker closed). */
  get available(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.openUntil;
  }

  async run<T>(op: string, command: (redis: Redis) => Promise<T>): Promise<T | Unavailable> {
    if (!this.available) {
      this.options.onFailure?.(op, 'skipped');
      return UNAVAILABLE;
    }
    try {
      const result = await command(this.redis);
      this.consecutiveFailures = 0;
      return result;
    } catch {
      this.options.onFailure?.(op, 'error');
      if (++this.consecutiveFailures >= this.failureThreshold) {
        this.openUntil = Date.now() + this.openMs;
        this.consecutiveFailures = 0;
      }
      return UNAVAILABLE;
    }
  }
}
