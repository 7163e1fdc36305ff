import { metricsRegistry } from '@conduit/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/**
 * Job outcomes counted by THIS worker process (sum over replicas in Prometheus):
 * completed, retried (failed, another attempt scheduled), failed (attempts exhausted or
 * unrecoverable: the job is in the failed set), stalled (lock lost: process killed or stuck).
 */
export const jobsProcessedTotal = new Counter({
  name: 'jobs_processed_total',
  help: 'Jobs finished by this worker process, by queue, job name and outcome',
  labelNames: ['queue', 'job', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const jobDuration = new Histogram({
  name: 'job_duration_seconds',
  help: 'Job processing time in this worker process',
  labelNames: ['queue', 'job', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

export const jobsActive = new Gauge({
  name: 'worker_jobs_active',
  help: 'Jobs running in this worker process now',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});

export const outboxRelayedTotal = new Counter({
  name: 'outbox_relayed_total',
  help: 'Outbox rows handed to BullMQ by this process',
  registers: [metricsRegistry],
});
