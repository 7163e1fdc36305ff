import { Inject, Injectable } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import type { QueueName } from '@conduit/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MailerService } from '../email/mailer.service.js';
import { HealthServer } from '../http/health-server.js';
import { ProfileCacheInvalidator } from '../images/profile-cache.invalidator.js';
import { PG_POOL, QUEUES_BY_NAME, QUEUE_REDIS, WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';
import { QueueWorkersService } from '../jobs/queue-workers.service.js';
import { OutboxRelayService } from '../outbox/outbox-relay.service.js';

/** Starts the worker's parts in order and stops them in reverse (graceful shutdown). */
@Injectable()
export class WorkerRuntime {
  constructor(
    private readonly workers: QueueWorkersService,
    private readonly relay: OutboxRelayService,
    private readonly health: HealthServer,
    private readonly mailer: MailerService,
    private readonly profileCache: ProfileCacheInvalidator,
    @Inject(QUEUES_BY_NAME) private readonly queues: Record<QueueName, Queue>,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<number> {
    const port = await this.health.listen();
    await this.workers.start();
    this.relay.start();
    this.logger.info({ port, host: this.config.WORKER_HOST }, 'worker ready');
    return port;
  }

  /**
   * Graceful stop: readiness turns 503, the relay and the queue workers stop taking work,
   * running jobs finish (BullMQ Worker.close waits for them), then connections close.
   * The caller bounds this with WORKER_SHUTDOWN_TIMEOUT_MS.
   */
  async stop(): Promise<void> {
    this.health.startDraining();
    await this.relay.stop();
    await this.workers.close();
    this.mailer.close();
    this.profileCache.close();
    await Promise.all(Object.values(this.queues).map((q) => q.close().catch(() => {})));
    this.redis.disconnect();
    await this.pool.end().catch(() => {});
    await this.health.close().catch(() => {});
  }
}
