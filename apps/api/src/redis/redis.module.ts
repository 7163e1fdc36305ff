import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { createFailFastRedis as createFailFastRedisClient } from '@conduit/cache';
import type { Redis } from 'ioredis';

/** Redis client for the cache and rate-limit role (evicting Redis, see infra/). */
export const CACHE_REDIS = Symbol('CACHE_REDIS');

/** Kept for existing imports; the client now lives in @conduit/cache. */
export function createFailFastRedis(url: string, commandTimeoutMs: number, name: string): Redis {
  const logger = new Logger(`Redis:${name}`);
  return createFailFastRedisClient({ url, commandTimeoutMs, name, onUnavailable: (message) => logger.warn(`redis unavailable: ${message}`) });
}

@Global()
@Module({
  providers: [
    {
      provide: CACHE_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createFailFastRedis(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS, `cache-${config.INSTANCE_ID}`),
    },
  ],
  exports: [CACHE_REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
