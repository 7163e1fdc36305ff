export { createFailFastRedis, type FailFastRedisOptions } from './fail-fast-redis.js';
export { RedisBreaker, UNAVAILABLE, type Unavailable, type RedisBreakerOptions } from './redis-breaker.js';
export { VersionedCache, invalidateCacheTags, type VersionedCacheOptions, type CacheReadSpec, type CacheReadResult, type PersonalSpec } from './versioned-cache.js';
export { LocalLayer } from './local-layer.js';
export { SingleFlight } from './single-flight.js';
export { jitteredTtl } from './jitter.js';
export { cacheRequestsTotal, cacheComputationsTotal, cacheRedisFailuresTotal, cacheLockTotal } from './cache-metrics.js';
