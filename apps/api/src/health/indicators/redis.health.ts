import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { CACHE_REDIS } from '../../redis/redis.module.js';

/**
 * Redis (cache role). Reported as `degraded`, never `down`: the cache fails open, so a Redis
 * outage must not make every instance unready at once (the LB would have nowhere to go).
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis, private readonly health: HealthIndicatorService) {}

  async check(timeoutMs: number) {
    const session = this.health.check('redis');
    const started = Date.now();
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
      ]);
      return session.up({ responseTime: Date.now() - started });
    } catch (error) {
      return session.degraded({ message: `cache unavailable, serving from PostgreSQL: ${(error as Error).message}` });
    }
  }
}
