import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const redisUrl = z.string().refine((value) => {
  try {
    return ['redis:', 'rediss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be a URL starting with redis:// or rediss://');

/**
 * Queue settings shared by every process that talks to BullMQ (worker, outbox relay, tests).
 * The queue lives on its OWN Redis (noeviction + append-only file): a cache's eviction policy
 * would silently delete jobs. See infra/redis/queue.conf.
 */
export const queueConfigShape = {
  QUEUE_REDIS_URL: redisUrl.default('redis://127.0.0.1:6380'),
  // BullMQ key prefix: several environments (or test runs) can share one queue Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits, ".", "_" and "-" only')
    .default('conduit-jobs'),
  // Retries: attempts in total (first run included) with exponential backoff
  // JOB_BACKOFF_MS x 2^(attempt-1): 2 s, 4 s, 8 s, 16 s with the defaults.
  JOB_ATTEMPTS: int(1, 50).default(5),
  JOB_BACKOFF_MS: int(10, 3_600_000).default(2_000),
  // Finished jobs are kept for inspection, bounded by age AND count (never forever).
  JOB_KEEP_COMPLETED_SECONDS: int(0, 30 * 24 * 3600).default(24 * 3600),
  JOB_KEEP_COMPLETED_COUNT: int(0, 1_000_000).default(1_000),
  JOB_KEEP_FAILED_SECONDS: int(0, 90 * 24 * 3600).default(7 * 24 * 3600),
  JOB_KEEP_FAILED_COUNT: int(0, 1_000_000).default(10_000),
};

/** Where uploads and derived images live (a directory shared by the API and the worker). */
export const storageConfigShape = {
  STORAGE_DIR: z.string().min(1).default('./var/storage'),
};
