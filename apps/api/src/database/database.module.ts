import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { createPool, createPrismaClient, writeWatermarkKey, WriteWatermark, type PrismaClient } from '@conduit/db';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { CACHE_REDIS } from '../redis/redis.module.js';
import { PoolWarmer } from './pool-warmer.js';
import { ReadRouter } from './replica/read-router.js';
import { ReplicaMonitor } from './replica/replica-monitor.js';
import { WriteWatermarkInterceptor } from './replica/write-watermark.interceptor.js';
import { APP_INTERCEPTOR } from '@nestjs/core';

export const PG_POOL = Symbol('PG_POOL');
export const PRISMA = Symbol('PRISMA');

@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('Database');
        return createPool({
          connectionString: config.DATABASE_URL,
          max: config.DB_POOL_MAX,
          min: config.DB_POOL_MIN,
          acquireTimeoutMs: config.DB_POOL_ACQUIRE_TIMEOUT_MS,
          statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
          idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
          applicationName: `conduit-${config.INSTANCE_ID}`,
          transactionPooler: config.DB_TRANSACTION_POOLER,
          onError: (err) => logger.warn(`idle database connection lost: ${err.message}`),
        });
      },
    },
    { provide: ReadRouter, inject: [PG_POOL, APP_CONFIG, CACHE_REDIS], useFactory: createReadRouter },
    { provide: APP_INTERCEPTOR, useClass: WriteWatermarkInterceptor },
    { provide: PRISMA, inject: [PG_POOL], useFactory: (pool: pg.Pool) => createPrismaClient(pool) },
    { provide: PoolWarmer, inject: [PG_POOL, APP_CONFIG], useFactory: (pool: pg.Pool, config: AppConfig) => new PoolWarmer(pool, config.DB_POOL_MIN) },
  ],
  exports: [PG_POOL, PRISMA, PoolWarmer, ReadRouter],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly router: ReadRouter,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.router.close();
    await this.prisma.$disconnect().catch(() => {});
    await this.pool.end().catch(() => {});
  }
}

/** The read router: the primary alone, or with the replica when DATABASE_REPLICA_URL is set. */
function createReadRouter(primary: pg.Pool, config: AppConfig, redis: Redis): ReadRouter {
  if (!config.DATABASE_REPLICA_URL) return new ReadRouter(primary);
  const logger = new Logger('Replica');
  const pool = createPool({
    connectionString: config.DATABASE_REPLICA_URL,
    max: config.DB_REPLICA_POOL_MAX,
    // A replica that stopped answering must cost a read little before it falls back to the primary.
    acquireTimeoutMs: Math.min(config.DB_POOL_ACQUIRE_TIMEOUT_MS, 1_000),
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    applicationName: `conduit-${config.INSTANCE_ID}-reads`,
    onError: (err) => logger.warn(`idle replica connection lost: ${err.message}`),
  });
  const monitor = new ReplicaMonitor(pool, config.DB_REPLICA_PROBE_INTERVAL_MS, new URL(config.DATABASE_REPLICA_URL).host);
  monitor.start();
  // The watermark outlives any lag the router accepts; past it the lag bound alone protects reads.
  const watermark = new WriteWatermark(primary, redis, writeWatermarkKey(config.REDIS_KEY_PREFIX), Math.max(60_000, 10 * config.DB_REPLICA_MAX_LAG_MS));
  return new ReadRouter(primary, { pool, monitor, watermark, maxLagMs: config.DB_REPLICA_MAX_LAG_MS });
}
