import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { registerDependencyProbe } from '@conduit/observability';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { PG_POOL } from '../database/database.module.js';
import { CACHE_REDIS } from '../redis/redis.module.js';

/** conduit_dependency_up{dependency="postgres"|"redis_cache"} for the Unreachable alerts. */
@Injectable()
export class DependencyMetrics implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(CACHE_REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const timeoutMs = this.config.HEALTH_CHECK_TIMEOUT_MS;
    registerDependencyProbe('postgres', () => this.pool.query('SELECT 1'), timeoutMs);
    registerDependencyProbe('redis_cache', () => this.redis.ping(), timeoutMs);
  }
}
