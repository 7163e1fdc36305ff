import { Inject, Injectable } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { OutboxRelay, type QueueName } from '@conduit/queue';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { throttledWarn } from '../infra/throttled-log.js';
import { PG_POOL, QUEUES_BY_NAME, WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';
import { outboxRelayedTotal } from '../jobs/job-metrics.js';

/**
 * Runs the transactional-outbox relay (libs/queue/src/outbox-relay.ts) in every worker
 * replica: the API only writes outbox rows in its own transactions and never talks to the
 * queue Redis, so a queue outage can neither fail nor slow down a request.
 */
@Injectable()
export class OutboxRelayService {
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(PG_POOL) pool: pg.Pool,
    @Inject(QUEUES_BY_NAME) queues: Record<QueueName, Queue>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) logger: Logger,
  ) {
    const warn = throttledWarn(logger);
    this.relay = new OutboxRelay({
      pool,
      queues,
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      onRelayed: (count) => {
        outboxRelayedTotal.inc(count);
        logger.debug({ count }, 'outbox rows relayed');
      },
      onError: (error) => warn(error, 'outbox relay failed; rows stay in the outbox and are retried'),
    });
  }

  start(): void {
    if (this.config.OUTBOX_RELAY_ENABLED) this.relay.start();
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }
}
