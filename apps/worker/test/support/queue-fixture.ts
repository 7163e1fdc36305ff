import { TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '@conduit/testing';
import { createQueues, type QueueName } from '@conduit/queue';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { QueueRedisServer, type QueueRedisOptions } from './queue-redis-server.js';
import { SmtpSink } from './smtp-sink.js';
import { startWorkerProcess, workerEnv, type WorkerProcess } from './worker-process.js';

/**
 * Everything a worker test needs, all real: a queue Redis of the file's own, an SMTP
 * server, a cloned PostgreSQL database, a storage directory, a queue prefix, and worker
 * processes started against them. close() tears everything down.
 */
export class QueueFixture {
  readonly prefix = `t${randomBytes(4).toString('hex')}`;
  readonly storageDir = mkdtempSync(join(tmpdir(), 'conduit-storage-'));
  readonly redis: QueueRedisServer;
  readonly smtp = new SmtpSink();
  db!: TestDatabase;
  pool!: pg.Pool;
  private client: Redis | null = null;
  private queues: Record<QueueName, Queue> | null = null;
  private readonly workers: WorkerProcess[] = [];
  private ownsDb = true;

  constructor(redisOptions: QueueRedisOptions = {}) {
    this.redis = new QueueRedisServer(redisOptions);
  }

  /** `db`: share a database created elsewhere (the in-process API's); it is then not dropped here. */
  async start(db?: TestDatabase): Promise<this> {
    await this.redis.start();
    await this.smtp.start();
    this.ownsDb = !db;
    this.db = db ?? (await createTestDatabase());
    this.pool = new pg.Pool({ connectionString: this.db.url, max: 3 });
    return this;
  }

  /** Settings a worker and the API of this fixture share. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return workerEnv({
      DATABASE_URL: this.db.url,
      QUEUE_REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.prefix,
      SMTP_PORT: String(this.smtp.port),
      STORAGE_DIR: this.storageDir,
      // The cache Redis (profile invalidation after image jobs): the shared test Redis, own prefix.
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${this.prefix}:`,
      ...overrides,
    });
  }

  async startWorker(overrides: Record<string, string> = {}, options?: { waitReady?: boolean }): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(this.env({ WORKER_INSTANCE_ID: `worker-${this.workers.length + 1}`, ...overrides }), options);
    this.workers.push(worker);
    return worker;
  }

  /** Producer queues configured exactly like the relay's (same retry and retention options). */
  queue(name: QueueName): Queue {
    if (!this.queues) {
      this.client = this.redis.client();
      this.queues = createQueues(this.client, this.prefix, {
        JOB_ATTEMPTS: Number(this.env().JOB_ATTEMPTS),
        JOB_BACKOFF_MS: Number(this.env().JOB_BACKOFF_MS),
        JOB_KEEP_COMPLETED_SECONDS: 3600,
        JOB_KEEP_COMPLETED_COUNT: 1000,
        JOB_KEEP_FAILED_SECONDS: 3600,
        JOB_KEEP_FAILED_COUNT: 1000,
      });
    }
    return this.queues[name];
  }

  /** SIGKILLs every worker this fixture started (between tests). */
  async killWorkers(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.kill('SIGKILL')));
  }

  async close(): Promise<void> {
    await this.killWorkers();
    if (this.queues) await Promise.all(Object.values(this.queues).map((q) => q.close().catch(() => {})));
    this.client?.disconnect();
    await this.pool?.end().catch(() => {});
    if (this.ownsDb) await this.db?.drop().catch(() => {});
    await this.smtp.stop().catch(() => {});
    await this.redis.destroy();
    rmSync(this.storageDir, { recursive: true, force: true });
  }
}
