import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { Redis } from 'ioredis';

/** Redis client for the cache and rate-limit role (evicting Redis, see infra/). */
export const CACHE_REDIS = Symbol('CACHE_REDIS');

/**
 * Fail-fast client: no offline queue (commands fail at once while disconnected instead of
 * queueing for a minute) and a short commandTimeout (the only setting that bounds a frozen
 * Redis). It reconnects forever in the background, so caching resumes by itself.
 * Tested in apps/api/test/cache/redis-outage.spec.ts.
 */
export function createFailFastRedis(url: string, commandTimeoutMs: number, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  const logger = new Logger(`Redis:${name}`);
  let lastLog = 0;
  client.on('error', (err) => {
    // Log at most every 10 s during an outage instead of once per reconnect attempt.
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      logger.warn(`redis unavailable: ${err.message}`);
    }
  });
  return client;
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
