import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { createPool, createPrismaClient, type PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { PoolWarmer } from './pool-warmer.js';

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
    { provide: PRISMA, inject: [PG_POOL], useFactory: (pool: pg.Pool) => createPrismaClient(pool) },
    { provide: PoolWarmer, inject: [PG_POOL, APP_CONFIG], useFactory: (pool: pg.Pool, config: AppConfig) => new PoolWarmer(pool, Math.min(config.DB_POOL_MIN, config.DB_POOL_MAX)) },
  ],
  exports: [PG_POOL, PRISMA, PoolWarmer],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect().catch(() => {});
    await this.pool.end().catch(() => {});
  }
}
