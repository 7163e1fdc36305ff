import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { metricsRegistry } from '@conduit/observability';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import { PG_POOL } from '../database/database.module.js';
import { CACHE_REDIS } from '../redis/redis.module.js';

/**
 * 1 when this instance can reach the dependency at scrape time, else 0. Feeds the
 * PostgreSQLUnreachable / RedisUnreachable alerts (infra/prometheus/rules/conduit.rules.yml)
 * without extra exporters, and measures reachability from where it matters: the app.
 */
let probes: { postgres: () => Promise<unknown>; redis_cache: () => Promise<unknown>; timeoutMs: number } | undefined;
export const dependencyUp = new Gauge({
  name: 'conduit_dependency_up',
  help: 'Whether this process reaches a dependency (1) or not (0), probed at scrape time',
  labelNames: ['dependency'] as const,
  registers: [metricsRegistry],
  async collect() {
    if (!probes) return;
    const { postgres, redis_cache, timeoutMs } = probes;
    const [pgUp, redisUp] = await Promise.all([probe(postgres, timeoutMs), probe(redis_cache, timeoutMs)]);
    this.set({ dependency: 'postgres' }, pgUp);
    this.set({ dependency: 'redis_cache' }, redisUp);
  },
});

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    return 1;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class DependencyMetrics implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(CACHE_REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const { pool, redis } = this;
    probes = { postgres: () => pool.query('SELECT 1'), redis_cache: () => redis.ping(), timeoutMs: this.config.HEALTH_CHECK_TIMEOUT_MS };
  }
}
