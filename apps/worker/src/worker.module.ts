import { type DynamicModule, Module } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { createPool } from '@conduit/db';
import { createQueues } from '@conduit/queue';
import { FILE_STORAGE, LocalFileStorage } from '@conduit/storage';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WorkerRuntime } from './bootstrap/worker-runtime.js';
import { MailerService } from './email/mailer.service.js';
import { WelcomeEmailHandler } from './email/welcome-email.handler.js';
import { HealthServer } from './http/health-server.js';
import { ImageProcessingHandler } from './images/image-processing.handler.js';
import { ProfileCacheInvalidator } from './images/profile-cache.invalidator.js';
import { UserImageRepository } from './images/user-image.repository.js';
import { PG_POOL, QUEUES_BY_NAME, QUEUE_REDIS, WORKER_CONFIG, WORKER_LOGGER } from './infra/tokens.js';
import { IdempotencyRepository } from './jobs/idempotency.repository.js';
import { JOB_HANDLERS } from './jobs/job-handler.js';
import { QueueDepthMetrics } from './jobs/queue-depth.metrics.js';
import { QueueWorkersService } from './jobs/queue-workers.service.js';
import { OutboxRelayService } from './outbox/outbox-relay.service.js';

/** The worker application: BullMQ consumers, the outbox relay, health and metrics. No public API. */
@Module({})
export class WorkerModule {
  /** `queueRedis` is the connection main.ts already verified (noeviction + appendonly). */
  static forRoot(config: WorkerConfig, logger: Logger, queueRedis: Redis): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: WORKER_LOGGER, useValue: logger },
        { provide: QUEUE_REDIS, useValue: queueRedis },
        {
          provide: PG_POOL,
          useFactory: () =>
            createPool({
              connectionString: config.DATABASE_URL,
              max: config.WORKER_DB_POOL_MAX,
              acquireTimeoutMs: config.DB_POOL_ACQUIRE_TIMEOUT_MS,
              statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
              idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
              applicationName: `conduit-${config.WORKER_INSTANCE_ID}`,
              transactionPooler: config.DB_TRANSACTION_POOLER,
              onError: (err) => logger.warn({ err: { message: err.message } }, 'idle database connection lost'),
            }),
        },
        {
          provide: QUEUES_BY_NAME,
          // Errors here repeat what the queue Redis connection already logs (throttled in main.ts).
          useFactory: () => createQueues(queueRedis, config.QUEUE_PREFIX, config, () => {}),
        },
        { provide: FILE_STORAGE, useFactory: () => new LocalFileStorage(config.STORAGE_DIR) },
        MailerService,
        IdempotencyRepository,
        UserImageRepository,
        ProfileCacheInvalidator,
        WelcomeEmailHandler,
        ImageProcessingHandler,
        {
          provide: JOB_HANDLERS,
          inject: [WelcomeEmailHandler, ImageProcessingHandler],
          useFactory: (...handlers: unknown[]) => handlers,
        },
        QueueWorkersService,
        OutboxRelayService,
        QueueDepthMetrics,
        HealthServer,
        WorkerRuntime,
      ],
    };
  }
}
