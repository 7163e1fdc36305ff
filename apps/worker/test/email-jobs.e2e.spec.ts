import { JOBS, QUEUES, welcomeEmailJob } from '@conduit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFixture } from './support/queue-fixture.js';
import { smtpError } from './support/smtp-sink.js';
import { waitFor, type WorkerProcess } from './support/worker-process.js';

// Real queue Redis, real SMTP server, real PostgreSQL, real worker process.
describe('email jobs: retries, bad payloads, duplicates (real worker process)', () => {
  const f = new QueueFixture();
  let worker: WorkerProcess;
  const attempts = new Map<string, number[]>();

  beforeAll(async () => {
    await f.start();
    f.smtp.behaviour.onRecipient = (address) => {
      attempts.set(address, [...(attempts.get(address) ?? []), Date.now()]);
      if (address.startsWith('always-fails')) throw smtpError(451, 'mailbox temporarily unavailable');
    };
    worker = await f.startWorker({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '200' });
  }, 120_000);
  afterAll(() => f.close());

  it('sends a welcome email over SMTP', async () => {
    await f.queue(QUEUES.email).add(JOBS.welcomeEmail, { userId: 1, email: 'ann@example.test', username: 'ann' }, { jobId: 'welcome-email-1' });
    const [email] = await waitFor(() => (f.smtp.to('ann@example.test').length ? f.smtp.to('ann@example.test') : null), 'the email');
    expect(email.subject).toBe('Welcome to Conduit, ann!');
    expect(email.messageId).toBe('<welcome-1@conduit.local>');
    expect(email.raw).toContain('your Conduit account is ready');
  });

  it('retries with exponential backoff up to JOB_ATTEMPTS, then keeps the job in the failed set and counts it', async () => {
    const before = await worker.metric('jobs_processed_total', { queue: 'email', outcome: 'failed' });
    const retriedBefore = await worker.metric('jobs_processed_total', { queue: 'email', outcome: 'retried' });
    const address = 'always-fails@example.test';
    const job = await f.queue(QUEUES.email).add(JOBS.welcomeEmail, { userId: 2, email: address, username: 'bob' }, { jobId: 'welcome-email-2' });
    expect(job.opts.attempts).toBe(3);
    expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 200 });

    await waitFor(async () => (await job.getState()) === 'failed', 'the job to fail for good');
    const failed = await f.queue(QUEUES.email).getJob('welcome-email-2');
    expect(failed!.attemptsMade).toBe(3);
    expect(failed!.failedReason).toContain('451');
    // Three SMTP attempts, waiting at least 200 ms then 400 ms between them (backoff lower bounds).
    const times = attempts.get(address)!;
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(200);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(400);
    expect(f.smtp.to(address)).toHaveLength(0);

    expect(await f.queue(QUEUES.email).getFailedCount()).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await worker.metric('jobs_processed_total', { queue: 'email', outcome: 'failed' })) === before + 1, 'failed counter');
    expect(await worker.metric('jobs_processed_total', { queue: 'email', outcome: 'retried' })).toBe(retriedBefore + 2);
    expect(await worker.metric('queue_jobs', { queue: 'email', state: 'failed' })).toBeGreaterThanOrEqual(1);
  });

  it('fails a job with an invalid payload at once, without retries or any SMTP traffic', async () => {
    const smtpCallsBefore = [...attempts.values()].flat().length;
    const bad = await f.queue(QUEUES.email).add(JOBS.welcomeEmail, { userId: 'not-a-number', email: 'x' }, { jobId: 'bad-payload-1' });
    const unknown = await f.queue(QUEUES.email).add('no-such-job', { foo: 1 }, { jobId: 'bad-name-1' });
    await waitFor(async () => (await bad.getState()) === 'failed' && (await unknown.getState()) === 'failed', 'both bad jobs to fail');
    const badJob = (await f.queue(QUEUES.email).getJob('bad-payload-1'))!;
    expect(badJob.attemptsMade).toBe(1);
    expect(badJob.failedReason).toMatch(/invalid welcome-email payload: .*userId/);
    expect(badJob.failedReason).toMatch(/email/);
    const unknownJob = (await f.queue(QUEUES.email).getJob('bad-name-1'))!;
    expect(unknownJob.attemptsMade).toBe(1);
    expect(unknownJob.failedReason).toContain('unknown job "no-such-job"');
    expect([...attempts.values()].flat().length).toBe(smtpCallsBefore);
  });

  it('enqueueing the same job twice runs it once (deterministic job id), and the outbox keeps one row', async () => {
    const job = welcomeEmailJob({ userId: 3, email: 'cat@example.test', username: 'cat' });
    const queue = f.queue(QUEUES.email);
    const [a, b] = await Promise.all([queue.add(job.name, job.payload, { jobId: job.jobId }), queue.add(job.name, job.payload, { jobId: job.jobId })]);
    expect(a.id).toBe(b.id);
    await waitFor(async () => (await a.getState()) === 'completed', 'the job to complete');
    // Same job again after it completed: still one job (it is kept, bounded, in the completed set).
    await queue.add(job.name, job.payload, { jobId: job.jobId });
    await new Promise((r) => setTimeout(r, 500));
    expect(f.smtp.to('cat@example.test')).toHaveLength(1);
    expect(await queue.getCompletedCount()).toBeGreaterThanOrEqual(1);

    // The outbox's unique job_id ignores a duplicate insert.
    const insert = `INSERT INTO job_outbox (queue, job_name, job_id, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (job_id) DO NOTHING`;
    const dup = welcomeEmailJob({ userId: 4, email: 'dan@example.test', username: 'dan' });
    await f.pool.query('BEGIN');
    await f.pool.query(insert, [dup.queue, dup.name, dup.jobId, dup.payload]);
    await f.pool.query(insert, [dup.queue, dup.name, dup.jobId, dup.payload]);
    await f.pool.query('COMMIT');
    await waitFor(() => f.smtp.to('dan@example.test').length === 1, 'the relayed email');
    await new Promise((r) => setTimeout(r, 500));
    expect(f.smtp.to('dan@example.test')).toHaveLength(1);
  });

  it('exports dependency gauges for PostgreSQL and the queue Redis', async () => {
    expect(await worker.metric('conduit_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(await worker.metric('conduit_dependency_up', { dependency: 'redis_queue' })).toBe(1);
  });

  it('bounds job retention (age and count) on every job', async () => {
    const job = (await f.queue(QUEUES.email).getJob('welcome-email-1'))!;
    expect(job.opts.removeOnComplete).toEqual({ age: 3600, count: 1000 });
    expect(job.opts.removeOnFail).toEqual({ age: 3600, count: 1000 });
  });
});
