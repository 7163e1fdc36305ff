import { Counter } from 'prom-client';
import { metricsRegistry } from '@conduit/observability';

/** Cache hits, misses and errors per cache name and layer (served at GET /metrics). */
export const cacheRequestsTotal = new Counter({
  name: 'cache_requests_total',
  help: 'Cache lookups by cache name, layer (local, redis, personal) and result (hit, miss, unavailable; stale: an expired in-process entry served by an instance shedding load)',
  labelNames: ['cache', 'layer', 'result'] as const,
  registers: [metricsRegistry],
});

/** How often the database was actually asked (misses that ran the computation). */
export const cacheComputationsTotal = new Counter({
  name: 'cache_computations_total',
  help: 'Cache fills computed from the source of truth, by cache name and kind (shared, personal)',
  labelNames: ['cache', 'kind'] as const,
  registers: [metricsRegistry],
});

/** Redis calls that failed (error, timeout) or were skipped (disconnected, breaker open). */
export const cacheRedisFailuresTotal = new Counter({
  name: 'cache_redis_failures_total',
  help: 'Cache Redis operations that failed or were skipped, by operation and reason',
  labelNames: ['op', 'reason'] as const,
  registers: [metricsRegistry],
});

/** Cross-instance stampede lock outcomes. */
export const cacheLockTotal = new Counter({
  name: 'cache_lock_total',
  help: 'Stampede lock outcomes: acquired, waited_hit (another instance filled it), waited_timeout',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * The Redis circuit breaker per client (connection name): commands sent, calls skipped, times it
 * opened, probes and their outcome. While Redis is dead, `command` stops growing after the first
 * detection and probes grow by at most one per open period (libs/cache/src/redis-breaker.ts).
 */
export const redisBreakerEventsTotal = new Counter({
  name: 'redis_breaker_events_total',
  help: 'Redis circuit breaker events per client: command (sent to Redis), skipped, opened, probe (started), probe_ok, probe_failed',
  labelNames: ['client', 'event'] as const,
  registers: [metricsRegistry],
});
