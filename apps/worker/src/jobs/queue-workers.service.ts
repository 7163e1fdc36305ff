import { Inject, Injectable } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { InvalidJobPayloadError, JOB_DEFINITIONS, QUEUES, isJobName, parseJobPayload, queueConnectionOptions, type QueueName } from '@conduit/queue';
import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { throttledWarn } from '../infra/throttled-log.js';
import { WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';
import { JOB_HANDLERS, type JobHandler } from './job-handler.js';
import { jobDuration, jobsActive, jobsProcessedTotal } from './job-metrics.js';

/**
 * One BullMQ Worker per queue in this process. Concurrency is per process and per queue
 * (WORKER_EMAIL_CONCURRENCY, WORKER_IMAGE_CONCURRENCY): total in-flight jobs of a queue =
 * concurrency x worker replicas.
 * - Stalled-job recovery: a job whose lock (lockDuration, renewed while it runs) lapses, e.g.
 *   the process was SIGKILLed, is moved back to waiting by any live worker's stalled check and
 *   runs again (at-least-once; handlers are idempotent). Test: resilience.e2e.spec.ts.
 * - Bad jobs fail fast: an invalid payload or unknown job name is an UnrecoverableError, so it
 *   goes straight to the failed set without retries. Test: email.e2e.spec.ts.
 */
@Injectable()
export class QueueWorkersService {
  private readonly workers: Worker[] = [];
  private readonly handlers = new Map<string, JobHandler>();

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
  ) {
    for (const handler of handlers) this.handlers.set(handler.jobName, handler);
  }

  /** Starts consuming; resolves once every queue's connection is ready. */
  async start(): Promise<void> {
    const concurrency: Record<QueueName, number> = {
      [QUEUES.email]: this.config.WORKER_EMAIL_CONCURRENCY,
      [QUEUES.image]: this.config.WORKER_IMAGE_CONCURRENCY,
    };
    for (const queue of Object.values(QUEUES)) {
      const worker = new Worker(queue, (job, token) => this.process(queue, job, token), {
        // Stored on every job it runs (job.processedBy): which replica ran what, once workers scale.
        name: this.config.WORKER_INSTANCE_ID,
        // Own connections (BullMQ duplicates this for its blocking one), maxRetriesPerRequest: null.
        connection: { url: this.config.QUEUE_REDIS_URL, ...queueConnectionOptions('worker', `${this.config.WORKER_INSTANCE_ID}-${queue}`) } as ConnectionOptions,
        prefix: this.config.QUEUE_PREFIX,
        concurrency: concurrency[queue],
        lockDuration: this.config.WORKER_LOCK_DURATION_MS,
        stalledInterval: this.config.WORKER_STALLED_INTERVAL_MS,
        maxStalledCount: this.config.WORKER_MAX_STALLED_COUNT,
        autorun: false,
      });
      this.observe(queue, worker);
      this.workers.push(worker);
      void worker.run().catch((error) => this.logger.error({ err: error, queue }, 'worker loop stopped'));
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.logger.info({ concurrency }, 'consuming queues');
  }

  /** Stop taking jobs and wait for the running ones (BullMQ close() waits; no new jobs start). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async process(queue: QueueName, job: Job, token: string | undefined): Promise<unknown> {
    if (!isJobName(job.name) || JOB_DEFINITIONS[job.name].queue !== queue) {
      throw new UnrecoverableError(`unknown job "${job.name}" on queue "${queue}"`);
    }
    let payload;
    try {
      payload = parseJobPayload(job.name, job.data);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    const stop = jobDuration.startTimer({ queue, job: job.name });
    jobsActive.inc({ queue });
    let outcome = 'completed';
    try {
      return await handler.handle(payload as never, job, token);
    } catch (error) {
      outcome = error instanceof DelayedError ? 'delayed' : 'error';
      throw error;
    } finally {
      jobsActive.dec({ queue });
      stop({ outcome });
    }
  }

  private observe(queue: QueueName, worker: Worker): void {
    const warn = throttledWarn(this.logger);
    // Job names come from Redis: only known ones become label values (bounded cardinality).
    const label = (name: string) => (isJobName(name) ? name : 'unknown');
    worker.on('completed', (job) => {
      jobsProcessedTotal.inc({ queue, job: label(job.name), outcome: 'completed' });
      this.logger.debug({ queue, job: job.name, jobId: job.id, attempt: job.attemptsMade }, 'job completed');
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      jobsProcessedTotal.inc({ queue, job: label(job.name), outcome: final ? 'failed' : 'retried' });
      this.logger.warn(
        { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade, maxAttempts: job.opts.attempts, reason: error.message },
        final ? 'job failed for good (kept in the failed set)' : 'job failed, will retry with backoff',
      );
    });
    worker.on('stalled', (jobId) => {
      jobsProcessedTotal.inc({ queue, job: 'unknown', outcome: 'stalled' });
      this.logger.warn({ queue, jobId }, 'stalled job moved back to waiting (its worker died or blocked)');
    });
    worker.on('error', (error) => warn(error, `queue ${queue}: Redis error, retrying`));
  }
}
