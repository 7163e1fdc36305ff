import type { Redis } from 'ioredis';
import { redisBreakerEventsTotal } from './cache-metrics.js';

/** Returned instead of a value when Redis could not be used; callers fall back (fail open). */
export const UNAVAILABLE: unique symbol = Symbol('redis-unavailable');
export type Unavailable = typeof UNAVAILABLE;

export interface RedisBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold?: number;
  /** First open period; each failed probe doubles it (0.5 s, 1 s, 2 s ...). */
  openMs?: number;
  /** Bound of the open period (how late, at worst, traffic goes back to a recovered Redis). */
  maxOpenMs?: number;
  /** Called for every failed or skipped call (metrics). */
  onFailure?: (op: string, reason: 'error' | 'skipped') => void;
  /** Clock (tests). */
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'probing';

export interface BreakerStats {
  state: BreakerState;
  /** Probes (PING) sent so far, and the most ever in flight at once (never above 1). */
  probes: number;
  maxProbesInFlight: number;
  /** Commands let through to Redis (not counting probes). */
  commands: number;
  /** The current open period. */
  openMs: number;
}

/**
 * The breaker's state for ONE Redis client, shared by every RedisBreaker on that client (the
 * cache, the rate limiter and chat presence use the same connection): one detection opens it for
 * all of them, and there is never more than one probe in flight per client.
 */
class BreakerCore {
  state: BreakerState = 'closed';
  private failures = 0;
  private openUntil = 0;
  private inFlightProbes = 0;
  readonly stats: BreakerStats;
  private readonly threshold: number;
  private readonly baseOpenMs: number;
  private readonly maxOpenMs: number;
  readonly now: () => number;
  private readonly client: string;

  constructor(
    private readonly redis: Redis,
    options: RedisBreakerOptions,
  ) {
    this.client = redis.options?.connectionName ?? 'redis';
    this.threshold = options.failureThreshold ?? 3;
    this.baseOpenMs = options.openMs ?? 500;
    this.maxOpenMs = Math.max(this.baseOpenMs, options.maxOpenMs ?? 5_000);
    this.now = options.now ?? Date.now;
    this.stats = { state: 'closed', probes: 0, maxProbesInFlight: 0, commands: 0, openMs: this.baseOpenMs };
  }

  /** Whether a command may go to Redis now; while open, past the open period, starts the single probe. */
  admits(): boolean {
    if (this.redis.status === 'ready' && this.state === 'closed') {
      this.count('command');
      this.stats.commands++;
      return true;
    }
    // Disconnected: ioredis reconnects by itself meanwhile. Open: past the period, one probe.
    if (this.redis.status === 'ready' && this.state === 'open' && this.now() >= this.openUntil) this.probe();
    this.count('skipped');
    return false;
  }

  count(event: 'command' | 'skipped' | 'opened' | 'probe' | 'probe_ok' | 'probe_failed'): void {
    redisBreakerEventsTotal.inc({ client: this.client, event });
  }

  succeeded(): void {
    if (this.state === 'closed') this.failures = 0;
  }

  failed(): void {
    // Commands sent before the breaker opened may fail later: they do not extend the open period.
    if (this.state === 'closed' && ++this.failures >= this.threshold) this.open(this.baseOpenMs);
  }

  private open(periodMs: number): void {
    this.failures = 0;
    this.stats.openMs = periodMs;
    this.openUntil = this.now() + periodMs;
    this.setState('open');
    this.count('opened');
  }

  /**
   * The probe runs in the background: no request waits for it (a frozen Redis costs the probe one
   * command timeout, not a request). Success closes the breaker; failure reopens it for twice as long.
   */
  private probe(): void {
    this.setState('probing');
    this.inFlightProbes++;
    this.stats.probes++;
    this.count('probe');
    this.stats.maxProbesInFlight = Math.max(this.stats.maxProbesInFlight, this.inFlightProbes);
    let ping: Promise<unknown>;
    try {
      ping = this.redis.ping();
    } catch (error) {
      ping = Promise.reject(error);
    }
    ping
      .then(
        () => {
          this.count('probe_ok');
          this.stats.openMs = this.baseOpenMs;
          this.failures = 0;
          this.setState('closed');
        },
        () => {
          this.count('probe_failed');
          this.open(Math.min(this.stats.openMs * 2, this.maxOpenMs));
        },
      )
      .finally(() => this.inFlightProbes--);
  }

  private setState(state: BreakerState): void {
    this.state = state;
    this.stats.state = state;
  }
}

const cores = new WeakMap<object, BreakerCore>();

/**
 * Fail-open gate in front of a fail-fast client (pattern: circuit breaker with half-open probe and
 * exponential backoff).
 * Protects against: every request paying a command timeout while Redis is frozen or unreachable.
 * Disconnected -> skip at once. After `failureThreshold` consecutive failures (timeouts) the
 * breaker opens: calls skip Redis without sending anything. When the open period ends, the next
 * call starts ONE background probe (PING) and still skips; the probe's success closes the breaker,
 * its failure reopens it for twice as long (0.5 s, 1 s, 2 s ... up to maxOpenMs). So while Redis
 * stays dead, requests pay nothing after the first detection, and Redis sees one PING per period.
 * State is per Redis client (shared by every breaker on it). Never throws: returns UNAVAILABLE.
 * Tested in libs/cache/src/redis-breaker.spec.ts (counts with a fake clock),
 * libs/cache/test/redis-breaker.int.spec.ts (a frozen redis-server: commands and probes counted)
 * and apps/api/test/cache/redis-outage.e2e.spec.ts; measured by the resilience suite's frozen-cache scenario.
 */
export class RedisBreaker {
  private readonly core: BreakerCore;

  constructor(
    readonly redis: Redis,
    private readonly options: RedisBreakerOptions = {},
  ) {
    let core = cores.get(redis);
    if (!core) cores.set(redis, (core = new BreakerCore(redis, options)));
    this.core = core;
  }

  /** True when a command would be attempted now (connected and breaker closed). */
  get available(): boolean {
    return this.redis.status === 'ready' && this.core.state === 'closed';
  }

  /** Counters of the client's breaker (shared with the other breakers on the same client). */
  get stats(): Readonly<BreakerStats> {
    return this.core.stats;
  }

  async run<T>(op: string, command: (redis: Redis) => Promise<T>): Promise<T | Unavailable> {
    if (!this.core.admits()) {
      this.options.onFailure?.(op, 'skipped');
      return UNAVAILABLE;
    }
    try {
      const result = await command(this.redis);
      this.core.succeeded();
      return result;
    } catch {
      this.options.onFailure?.(op, 'error');
      this.core.failed();
      return UNAVAILABLE;
    }
  }
}
