import { z } from 'zod';
import { appConfigSchema } from './app-config.schema.js';
import { queueConfigShape, storageConfigShape } from './queue-config.schema.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Every variable apps/worker reads. Database and logging settings are the API's own
 * definitions (picked, not copied); the worker needs no JWT secret and serves no public API.
 */
export const workerConfigSchema = appConfigSchema
  .pick({
    NODE_ENV: true,
    LOG_LEVEL: true,
    DATABASE_URL: true,
    DB_POOL_ACQUIRE_TIMEOUT_MS: true,
    DB_STATEMENT_TIMEOUT_MS: true,
    DB_IDLE_TIMEOUT_MS: true,
    DB_TRANSACTION_POOLER: true,
    // Only to record the read-your-writes watermark the API's replica reads wait for.
    DATABASE_REPLICA_URL: true,
    HEALTH_CHECK_TIMEOUT_MS: true,
    METRICS_ENABLED: true,
    // The cache Redis, only to invalidate cached profiles after the worker changes a user's image.
    REDIS_URL: true,
    REDIS_COMMAND_TIMEOUT_MS: true,
    REDIS_KEY_PREFIX: true,
    CACHE_ENABLED: true,
    CACHE_TTL_MS: true,
  })
  .extend({
    ...queueConfigShape,
    ...storageConfigShape,
    WORKER_INSTANCE_ID: z.string().min(1).max(64).default('worker-1'),
    // Health and metrics only (/health/live, /health/ready, /metrics); no public API.
    WORKER_HOST: z.string().min(1).default('127.0.0.1'),
    WORKER_PORT: int(0, 65535).default(3100),
    // Jobs run at once PER PROCESS. Total = concurrency x worker replicas (README).
    WORKER_EMAIL_CONCURRENCY: int(1, 1_000).default(10),
    // sharp is CPU-bound (and multi-threaded itself): keep this near the core count.
    WORKER_IMAGE_CONCURRENCY: int(1, 64).default(2),
    // A job whose lock is not renewed within lockDuration (process killed or event loop stuck)
    // is "stalled": the stalled check (every stalledInterval) puts it back in the wait list.
    WORKER_LOCK_DURATION_MS: int(500, 600_000).default(30_000),
    WORKER_STALLED_INTERVAL_MS: int(200, 600_000).default(30_000),
    WORKER_MAX_STALLED_COUNT: int(0, 100).default(1),
    // SIGTERM: stop taking jobs, let running ones finish within this budget, then exit.
    // Keep it below the orchestrator's grace period (Kubernetes 30 s, compose 10 s by default:
    // set stop_grace_period accordingly).
    // Startup: how long to wait for the queue Redis before exiting with a clear message.
    WORKER_STARTUP_TIMEOUT_MS: int(100, 600_000).default(10_000),
    WORKER_SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(20_000),
    // Pool for the worker (outbox relay, idempotency records, image updates): counts in the
    // PostgreSQL connection budget (instances x DB_POOL_MAX + workers x WORKER_DB_POOL_MAX).
    WORKER_DB_POOL_MAX: int(1, 100).default(5),

    // Transactional outbox relay: how often to look for rows (also right after a batch).
    OUTBOX_RELAY_ENABLED: bool.default(true),
    OUTBOX_POLL_INTERVAL_MS: int(20, 60_000).default(500),
    OUTBOX_BATCH_SIZE: int(1, 1_000).default(100),

    // SMTP (Mailpit in docker-compose). nodemailer's defaults wait 2 min (connection) and
    // 10 min (socket): a stuck mail server would hold every email slot for minutes.
    SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    SMTP_PORT: int(1, 65535).default(1025),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    SMTP_FROM: z.string().min(3).default('Conduit <no-reply@conduit.local>'),
    SMTP_CONNECTION_TIMEOUT_MS: int(100, 120_000).default(5_000),
    SMTP_GREETING_TIMEOUT_MS: int(100, 120_000).default(5_000),
    SMTP_SOCKET_TIMEOUT_MS: int(100, 600_000).default(20_000),

    // Image versions made from each upload (square, WebP); the largest becomes user.image.
    IMAGE_SIZES: z
      .string()
      .regex(/^\d{2,4}(,\d{2,4})*$/, 'comma-separated pixel sizes, e.g. 64,256')
      .transform((v) => [...new Set(v.split(',').map(Number))].sort((a, b) => a - b))
      .default([64, 256]),
    // Decompression-bomb guard: images with more pixels than this are rejected.
    IMAGE_MAX_INPUT_PIXELS: int(1, 500_000_000).default(40_000_000),
  });

export type WorkerConfig = Readonly<z.infer<typeof workerConfigSchema>>;
