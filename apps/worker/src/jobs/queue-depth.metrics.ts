import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { metricsRegistry, registerDependencyProbe } from '@conduit/observability';
import type { QueueName } from '@conduit/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import { PG_POOL, QUEUES_BY_NAME, QUEUE_REDIS, WORKER_CONFIG } from '../infra/tokens.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * Queue depth read from Redis on each scrape (every replica reports the same global numbers:
 * use max() across replicas, not sum()). A growing `waiting` means workers fall behind: add
 * replicas or concurrency. `failed` holds exhausted jobs awaiting inspection.
 * Also the outbox backlog: rows accepted but not yet relayed (grows while the queue Redis is down).
 */
@Injectable()
export class QueueDepthMetrics implements OnModuleDestroy {
  private readonly depth: Gauge<'queue' | 'state'>;
  private readonly outbox: Gauge;

  constructor(@Inject(QUEUES_BY_NAME) queues: Record<QueueName, Queue>, @Inject(PG_POOL) pool: pg.Pool, @Inject(WORKER_CONFIG) config: WorkerConfig, @Inject(QUEUE_REDIS) queueRedis: Redis) {
    const timeoutMs = config.HEALTH_CHECK_TIMEOUT_MS;
    // conduit_dependency_up{dependency=...} (alerts in infra/prometheus): what this worker reaches.
    registerDependencyProbe('postgres', () => pool.query('SELECT 1'), timeoutMs);
    registerDependencyProbe('redis_queue', () => queueRedis.ping(), timeoutMs);
    this.depth = new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in each BullMQ queue by state (global, read from Redis at scrape time)',
      labelNames: ['queue', 'state'] as const,
      registers: [metricsRegistry],
      async collect() {
        await Promise.all(
          Object.entries(queues).map(async ([name, queue]) => {
            try {
              const counts = await withTimeout(queue.getJobCounts(...STATES), timeoutMs);
              for (const state of STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            } catch {
              // Queue Redis unreachable: keep the last values; readiness reports the outage.
            }
          }),
        );
      },
    });
    this.outbox = new Gauge({
      name: 'outbox_pending_jobs',
      help: 'Jobs written to the transactional outbox and not yet relayed to the queue',
      registers: [metricsRegistry],
      async collect() {
        try {
          const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM job_outbox');
          this.set(Number(rows[0].n));
        } catch {
          /* database unreachable: keep the last value */
        }
      },
    });
  }

  onModuleDestroy(): void {
    metricsRegistry.removeSingleMetric('queue_jobs');
    metricsRegistry.removeSingleMetric('outbox_pending_jobs');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer));
}
