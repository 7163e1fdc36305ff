import type { DefaultJobOptions } from 'bullmq';

export interface JobRetentionSettings {
  JOB_ATTEMPTS: number;
  JOB_BACKOFF_MS: number;
  JOB_KEEP_COMPLETED_SECONDS: number;
  JOB_KEEP_COMPLETED_COUNT: number;
  JOB_KEEP_FAILED_SECONDS: number;
  JOB_KEEP_FAILED_COUNT: number;
}

/**
 * Options every job gets. Retries: JOB_ATTEMPTS runs in total with exponential backoff
 * (JOB_BACKOFF_MS x 2^(n-1)); an exhausted job stays in the failed set for inspection.
 * Retention is bounded by age AND count, so Redis (noeviction: it refuses writes when full)
 * never fills up with finished jobs.
 * Tests: apps/worker/test/email.e2e.spec.ts ("retries with exponential backoff ...").
 */
export function defaultJobOptions(settings: JobRetentionSettings): DefaultJobOptions {
  return {
    attempts: settings.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: settings.JOB_BACKOFF_MS },
    removeOnComplete: { age: settings.JOB_KEEP_COMPLETED_SECONDS, count: settings.JOB_KEEP_COMPLETED_COUNT },
    removeOnFail: { age: settings.JOB_KEEP_FAILED_SECONDS, count: settings.JOB_KEEP_FAILED_COUNT },
  };
}
