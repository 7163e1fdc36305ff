// Benchmark: email jobs per second vs per-process concurrency and worker replicas, and the
// outbox relay's rows per second. Real queue Redis (on a port the OS gives it), real SMTP server answering
// after SMTP_LATENCY_MS (an I/O-bound job), real PostgreSQL (idempotency records), real worker
// processes. Prints numbers and ratios against the 1 x 5 baseline measured in the same run.
//   npm run bench:worker            (BENCH_JOBS=600 SMTP_LATENCY_MS=50 by default)
import { applyMigrations, ensureDatabase } from '@conduit/db';
import { OutboxRelay, QUEUES, createQueues, welcomeEmailJob } from '@conduit/queue';
import { TEST_PG_URL, databaseUrl } from '@conduit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { QueueRedisServer } from '../../apps/worker/test/support/queue-redis-server.js';
import { SmtpSink } from '../../apps/worker/test/support/smtp-sink.js';
import { startWorkerProcess, workerEnv, type WorkerProcess } from '../../apps/worker/test/support/worker-process.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 600);
const SMTP_LATENCY_MS = Number(process.env.SMTP_LATENCY_MS ?? 50);
const SCENARIOS = [
  { replicas: 1, concurrency: 5 },
  { replicas: 1, concurrency: 10 },
  { replicas: 2, concurrency: 5 },
  { replicas: 2, concurrency: 10 },
];

const dbName = `conduit_bench_jobs_${process.pid}`;
const dbUrl = databaseUrl(dbName);
const redis = new QueueRedisServer();
const smtp = new SmtpSink();
const storageDir = mkdtempSync(join(tmpdir(), 'conduit-bench-'));
smtp.behaviour.beforeAccept = () => new Promise((r) => setTimeout(r, SMTP_LATENCY_MS));

const QUEUE_SETTINGS = { JOB_ATTEMPTS: 3, JOB_BACKOFF_MS: 200, JOB_KEEP_COMPLETED_SECONDS: 3600, JOB_KEEP_COMPLETED_COUNT: 100_000, JOB_KEEP_FAILED_SECONDS: 3600, JOB_KEEP_FAILED_COUNT: 1000 };
let userId = 1;

/** `replicas` worker processes at `concurrency` each, draining JOBS welcome emails: jobs per second. */
async function measureEmails(client: Redis, replicas: number, concurrency: number): Promise<number> {
  const prefix = `bench${replicas}x${concurrency}`;
  const queues = createQueues(client, prefix, QUEUE_SETTINGS);
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < replicas; i++) {
      workers.push(
        await startWorkerProcess(
          workerEnv({
            DATABASE_URL: dbUrl,
            QUEUE_REDIS_URL: redis.url,
            QUEUE_PREFIX: prefix,
            SMTP_PORT: String(smtp.port),
            STORAGE_DIR: storageDir,
            WORKER_EMAIL_CONCURRENCY: String(concurrency),
            WORKER_INSTANCE_ID: `bench-${i}`,
            LOG_LEVEL: 'info',
            OUTBOX_RELAY_ENABLED: 'false',
            WORKER_LOCK_DURATION_MS: '30000',
            WORKER_STALLED_INTERVAL_MS: '30000',
          }),
        ),
      );
    }
    const jobs = Array.from({ length: JOBS }, () => welcomeEmailJob({ userId: userId, email: `b${userId}@example.test`, username: `b${userId++}` }));
    const started = performance.now();
    await queues[QUEUES.email].addBulk(jobs.map((j) => ({ name: j.name, data: j.payload, opts: { jobId: j.jobId } })));
    while ((await queues[QUEUES.email].getCompletedCount()) < JOBS) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    return JOBS / seconds;
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await Promise.all(Object.values(queues).map((q) => q.close()));
  }
}

/** Outbox relay alone: rows -> BullMQ jobs per second, batch 100, one relay. */
async function measureRelay(client: Redis, pool: pg.Pool): Promise<{ relayed: number; relaySeconds: number }> {
  const relayQueues = createQueues(client, 'benchrelay', {
    JOB_ATTEMPTS: 3,
    JOB_BACKOFF_MS: 200,
    JOB_KEEP_COMPLETED_SECONDS: 60,
    JOB_KEEP_COMPLETED_COUNT: 10,
    JOB_KEEP_FAILED_SECONDS: 60,
    JOB_KEEP_FAILED_COUNT: 10,
  });
  const rows = JOBS * 5;
  const values = Array.from({ length: rows }, (_, i) => welcomeEmailJob({ userId: 1_000_000 + i, email: `o${i}@example.test`, username: `o${i}` }));
  await pool.query('INSERT INTO job_outbox (queue, job_name, job_id, payload) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])', [
    values.map((v) => v.queue),
    values.map((v) => v.name),
    values.map((v) => v.jobId),
    values.map((v) => JSON.stringify(v.payload)),
  ]);
  const relay = new OutboxRelay({ pool, queues: relayQueues, batchSize: 100, pollIntervalMs: 50 });
  const relayStarted = performance.now();
  let relayed = 0;
  for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) relayed += n;
  const relaySeconds = (performance.now() - relayStarted) / 1000;
  await Promise.all(Object.values(relayQueues).map((q) => q.close()));
  return { relayed, relaySeconds };
}

async function main() {
  await ensureDatabase(dbUrl);
  await applyMigrations(dbUrl, fileURLToPath(new URL('../../prisma/migrations', import.meta.url)));
  await redis.start();
  await smtp.start();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
  const client = redis.client();
  const results: Array<{ name: string; perSecond: number }> = [];
  try {
    for (const { replicas, concurrency } of SCENARIOS) {
      results.push({ name: `${replicas} worker(s) x concurrency ${concurrency}`, perSecond: await measureEmails(client, replicas, concurrency) });
    }
    const { relayed, relaySeconds } = await measureRelay(client, pool);

    const base = results[0].perSecond;
    console.log(`\nEmail jobs: ${JOBS} per scenario, SMTP answers after ${SMTP_LATENCY_MS} ms (ideal = concurrency x replicas / latency)`);
    for (const r of results) console.log(`  ${r.name.padEnd(32)} ${r.perSecond.toFixed(0).padStart(6)} jobs/s   x${(r.perSecond / base).toFixed(2)} vs 1 x 5`);
    console.log(`\nOutbox relay: ${relayed} rows in ${relaySeconds.toFixed(2)} s = ${(relayed / relaySeconds).toFixed(0)} rows/s (batch 100, one relay)`);
  } finally {
    client.disconnect();
    await pool.end();
    await smtp.stop();
    await redis.destroy();
    rmSync(storageDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
