import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CacheTags, VersionedCache, createFailFastRedis, readCacheKeyPrefix } from '@conduit/cache';
import { WriteWatermark, writeWatermarkKey } from '@conduit/db';
import type pg from 'pg';
import type { WorkerConfig } from '@conduit/config';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PG_POOL, WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';

/**
 * The API caches profiles (and authors embedded in articles and comments) under the `people`
 * tag (CacheTags in libs/cache, shared with the API). The worker changes users.image behind the API's back,
 * so it bumps that tag exactly as the API's own PUT /api/user does; otherwise readers would see
 * the old image until CACHE_TTL_MS. The key prefix comes from libs/cache (readCacheKeyPrefix), as the API's.
 * The cache is optional: with its Redis down, VersionedCache rotates the epoch once it is back.
 * With a read replica (DATABASE_REPLICA_URL) the write's WAL position is recorded first (the API's
 * read-your-writes watermark, libs/db write-watermark.ts): otherwise a profile re-cached from a
 * replica that has not replayed the new image would keep the old one for CACHE_TTL_MS.
 * Test: apps/worker/test/image.e2e.spec.ts ("... cached profile shows the new image").
 */
@Injectable()
export class ProfileCacheInvalidator implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly cache: VersionedCache;
  private readonly watermark?: WriteWatermark;

  constructor(
    @Inject(WORKER_CONFIG) config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) pool: pg.Pool,
  ) {
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
    if (config.DATABASE_REPLICA_URL) this.watermark = new WriteWatermark(pool, this.redis, writeWatermarkKey(config.REDIS_KEY_PREFIX), 60_000);
  }

  async profileChanged(): Promise<void> {
    // The image row has committed; a watermark that cannot be stored leaves the cache TTL as the bound.
    await this.watermark?.raise().catch((error: Error) => this.logger.warn({ reason: error.message }, 'replica watermark not stored'));
    await this.cache.invalidate([CacheTags.people]);
  }

  close(): void {
    this.cache.close();
    this.redis.disconnect();
  }

  onModuleDestroy(): void {
    this.close();
  }
}
