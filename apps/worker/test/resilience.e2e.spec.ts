import { QUEUES, welcomeEmailJob } from '@conduit/queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueFixture } from './support/queue-fixture.js';
import { waitFor } from './support/worker-process.js';

// Short SMTP timeouts keep the idempotency lease (connection + greeting + socket + 1 s = 6 s) short.
const SMTP = { SMTP_CONNECTION_TIMEOUT_MS: '1000', SMTP_GREETING_TIMEOUT_MS: '1000', SMTP_SOCKET_TIMEOUT_MS: '4000' };

/** A hold the SMTP server keeps until the test releases it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const wasReached = new Promise<void>((resolve) => (reached = resolve));
  return { open, opened, reached, wasReached };
}

describe('worker resilience: SIGKILL, retry after send, SIGTERM, several workers (real processes)', () => {
  const f = new QueueFixture();

  beforeAll(async () => {
    await f.start();
  }, 60_000);
  afterEach(async () => {
    await f.killWorkers();
    f.smtp.behaviour = {};
  });
  afterAll(() => f.close());

  const enqueue = (userId: number, email: string) => {
    const job = welcomeEmailJob({ userId, email, username: `u${userId}` });
    return f.queue(QUEUES.email).add(job.name, job.payload, { jobId: job.jobId });
  };

  it('a worker SIGKILLed mid-job: the stalled job is picked up by another worker and completes once', async () => {
    const hold = gate();
    let first = true;
    f.smtp.behaviour.onRecipient = async (address) => {
      if (address === 'killed@example.test' && first) {
        first = false;
        hold.reached();
        await hold.opened; // the worker is now in the middle of sending
        throw Object.assign(new Error('connection gone'), { responseCode: 421 });
      }
    };
    const a = await f.startWorker(SMTP);
    const job = await enqueue(101, 'killed@example.test');
    await hold.wasReached;
    await a.kill('SIGKILL');
    hold.open();
    expect(await job.getState()).toBe('active'); // still locked by the dead worker

    const b = await f.startWorker(SMTP);
    await waitFor(async () => (await job.getState()) === 'completed', 'the job to complete on the second worker', 45_000);
    expect(f.smtp.to('killed@example.test')).toHaveLength(1);
    expect(await b.metric('jobs_processed_total', { queue: 'email', outcome: 'stalled' })).toBe(1);
    expect(await b.metric('jobs_processed_total', { queue: 'email', outcome: 'completed' })).toBe(1);
  });

  it('a job retried after the email went out does not send it again (idempotency record)', async () => {
    const redis = f.redis.client();
    try {
      // The SMTP server accepts the message, but first freezes writes on the queue Redis: the
      // worker records "sent" in PostgreSQL and then cannot mark the job completed. It is
      // killed in that state, so the job runs again elsewhere, after the email went out.
      f.smtp.behaviour.beforeAccept = async (email) => {
        if (email.to.includes('sent-once@example.test')) await redis.call('CLIENT', 'PAUSE', '30000', 'WRITE');
      };
      const a = await f.startWorker(SMTP);
      const job = await enqueue(102, 'sent-once@example.test');
      await waitFor(async () => {
        const { rows } = await f.pool.query(`SELECT completed_at FROM job_idempotency WHERE key = 'welcome-email:102'`);
        return rows[0]?.completed_at;
      }, 'the idempotency record to be completed');
      await a.kill('SIGKILL');
      await redis.call('CLIENT', 'UNPAUSE');
      expect(await job.getState()).toBe('active');
      expect(f.smtp.to('sent-once@example.test')).toHaveLength(1);

      const b = await f.startWorker(SMTP);
      await waitFor(async () => (await job.getState()) === 'completed', 'the retried job to complete', 45_000);
      const done = (await f.queue(QUEUES.email).getJob(job.id!))!;
      expect(done.returnvalue).toEqual({ sent: false });
      expect(f.smtp.to('sent-once@example.test')).toHaveLength(1);
      expect(await b.metric('jobs_processed_total', { queue: 'email', outcome: 'stalled' })).toBe(1);
    } finally {
      await redis.call('CLIENT', 'UNPAUSE').catch(() => {});
      redis.disconnect();
    }
  });

  it('SIGTERM: stops taking jobs, finishes the running one, turns unready, exits 0', async () => {
    const hold = gate();
    f.smtp.behaviour.beforeAccept = async (email) => {
      if (email.to.includes('draining@example.test')) {
        hold.reached();
        await hold.opened;
      }
    };
    const worker = await f.startWorker(SMTP);
    const running = await enqueue(103, 'draining@example.test');
    await hold.wasReached;
    worker.child.kill('SIGTERM');
    await worker.waitForLog((l) => l.msg?.startsWith('shutting down'));
    const ready = await fetch(`${worker.url}/health/ready`);
    expect(ready.status).toBe(503);
    const late = await enqueue(104, 'late@example.test');
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.child.exitCode).toBeNull(); // still finishing the running job
    hold.open();

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    expect(await running.getState()).toBe('completed');
    expect(f.smtp.to('draining@example.test')).toHaveLength(1);
    // The job that arrived during shutdown was not taken: it waits for the next worker.
    expect(await late.getState()).toBe('waiting');
    await f.startWorker(SMTP);
    await waitFor(async () => (await late.getState()) === 'completed', 'the late job on a new worker');
    expect(f.smtp.to('late@example.test')).toHaveLength(1);
  });

  it('SIGTERM with a job outliving WORKER_SHUTDOWN_TIMEOUT_MS: exits 1, the job is recovered elsewhere', async () => {
    const hold = gate();
    let first = true;
    f.smtp.behaviour.onRecipient = async (address) => {
      if (address === 'stuck@example.test' && first) {
        first = false;
        hold.reached();
        await hold.opened;
        throw Object.assign(new Error('too late'), { responseCode: 421 });
      }
    };
    const worker = await f.startWorker({ ...SMTP, WORKER_SHUTDOWN_TIMEOUT_MS: '500' });
    const job = await enqueue(105, 'stuck@example.test');
    await hold.wasReached;
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(1);
    expect(worker.logs.some((l) => /deadline passed/.test(l.msg ?? ''))).toBe(true);
    hold.open();
    await f.startWorker(SMTP);
    await waitFor(async () => (await job.getState()) === 'completed', 'the job to be recovered', 45_000);
    expect(f.smtp.to('stuck@example.test')).toHaveLength(1);
  });

  it('two worker processes share one queue: every job runs exactly once, both do work', async () => {
    f.smtp.behaviour.beforeAccept = () => new Promise((r) => setTimeout(r, 150));
    const settings = { ...SMTP, WORKER_EMAIL_CONCURRENCY: '2' };
    const [w1, w2] = await Promise.all([f.startWorker(settings), f.startWorker(settings)]);
    const n = 30;
    const jobs = await Promise.all(Array.from({ length: n }, (_, i) => enqueue(200 + i, `many-${i}@example.test`)));
    await waitFor(async () => (await Promise.all(jobs.map((j) => j.getState()))).every((s) => s === 'completed'), 'all jobs', 60_000);
    for (let i = 0; i < n; i++) expect(f.smtp.to(`many-${i}@example.test`)).toHaveLength(1);
    const done1 = await w1.metric('jobs_processed_total', { queue: 'email', outcome: 'completed' });
    const done2 = await w2.metric('jobs_processed_total', { queue: 'email', outcome: 'completed' });
    expect(done1 + done2).toBe(n);
    expect(done1).toBeGreaterThan(0);
    expect(done2).toBeGreaterThan(0);
  });
});
