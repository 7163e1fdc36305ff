import { Global, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { VersionedCache, readCacheKeyPrefix } from '@conduit/cache';
import type { Redis } from 'ioredis';
import { CACHE_REDIS } from '../redis/redis.module.js';
import { CacheInvalidation } from './cache-invalidation.js';
import { READ_CACHE } from './read-cache.token.js';
import { ViewerOverlayCache } from './viewer-overlay.cache.js';
import { ViewerFlagsService } from './viewer-flags.service.js';
import { ViewerRelationsRepository } from './viewer-relations.repository.js';

export { READ_CACHE };

/** The shared read cache (libs/cache VersionedCache) over the fail-fast cache Redis client, and its viewer-overlay reads. */
@Global()
@Module({
  providers: [
    {
      provide: READ_CACHE,
      inject: [CACHE_REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) =>
        new VersionedCache(redis, {
          prefix: readCacheKeyPrefix(config.REDIS_KEY_PREFIX),
          enabled: config.CACHE_ENABLED,
          ttlMs: config.CACHE_TTL_MS,
          ttlJitterRatio: config.CACHE_TTL_JITTER_RATIO,
          versionTtlMs: Math.max(24 * 3_600_000, config.CACHE_TTL_MS * 2),
          localTtlMs: config.CACHE_LOCAL_TTL_MS,
          localMaxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
          localStaleGraceMs: config.CACHE_STALE_ON_OVERLOAD_MS,
          lockTtlMs: config.CACHE_LOCK_TTL_MS,
          lockWaitMs: config.CACHE_LOCK_WAIT_MS,
        }),
    },
    CacheInvalidation,
    ViewerOverlayCache,
    ViewerRelationsRepository,
    ViewerFlagsService,
  ],
  exports: [READ_CACHE, CacheInvalidation, ViewerOverlayCache, ViewerFlagsService],
})
export class ReadCacheModule implements OnModuleDestroy {
  constructor(@Inject(READ_CACHE) private readonly cache: VersionedCache) {}

  onModuleDestroy(): void {
    this.cache.close();
  }
}
