import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CacheTags, VersionedCache, createFailFastRedis, readCacheKeyPrefix } from '@conduit/cache';
import type { WorkerConfig } from '@conduit/config';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';

/**
 * The API caches profiles (and authors embedded in articles and comments) under the `people`
 * tag (CacheTags in libs/cache, shared with the API). The worker changes users.image behind the API's back,
 * so it bumps that tag exactly as the API's own PUT /api/user does; otherwise readers would see
 * the old image until CACHE_TTL_MS. The key prefix comes from libs/cache (readCacheKeyPrefix), as the API's.
 * The cache is optional: with its Redis down, VersionedCache rotates the epoch once it is back.
 * Test: apps/worker/test/image.e2e.spec.ts ("... cached profile shows the new image").
 */
@Injectable()
export class ProfileCacheInvalidator implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly cache: VersionedCache;

  constructor(@Inject(WORKER_CONFIG) config: WorkerConfig, @Inject(WORKER_LOGGER) logger: Logger) {
    this.redis = createFailFastRedis({
      url: config.REDIS_URL,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      name: `cache-${config.WORKER_INSTANCE_ID}`,
      onUnavailable: (message) => logger.warn({ reason: message }, 'cache Redis unavailable; cached profiles may be stale until it is back'),
    });
    this.cache = new VersionedCache(this.redis, {
      prefix: readCacheKeyPrefix(config.REDIS_KEY_PREFIX),
      enabled: config.CACHE_ENABLED,
      ttlMs: config.CACHE_TTL_MS,
      ttlJitterRatio: 0,
      versionTtlMs: Math.max(24 * 3_600_000, config.CACHE_TTL_MS * 2),
      localMaxEntries: 0,
      localTtlMs: 0,
      lockTtlMs: 1_000,
      lockWaitMs: 0,
    });
  }

  profileChanged(): Promise<void> {
    return this.cache.invalidate([CacheTags.people]);
  }

  close(): void {
    this.cache.close();
    this.redis.disconnect();
  }

  onModuleDestroy(): void {
    this.close();
  }
}
