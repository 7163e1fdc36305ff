import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/test/support/test-app.js';
import { QueueFixture } from './support/queue-fixture.js';
import { waitFor, type WorkerProcess } from './support/worker-process.js';

// The real API (in-process) enqueues through the outbox; a real worker process relays and sends.
describe('registration -> welcome email (API + outbox + worker, real Redis/SMTP/PostgreSQL)', () => {
  const f = new QueueFixture();
  let t: TestApp;
  let api: ApiClient;
  let worker: WorkerProcess;

  beforeAll(async () => {
    t = await startTestApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '10000' });
    api = new ApiClient(t.url);
    await f.start(t.db);
    worker = await f.startWorker();
  }, 120_000);
  afterAll(async () => {
    await f.close();
    await t?.close();
  });

  const register = (name: string) => api.post('/api/users', { user: { username: name, email: `${name}@example.test`, password: 'password-123' } });
  const outboxRows = async () => Number((await f.pool.query('SELECT count(*) AS n FROM job_outbox')).rows[0].n);

  it('registration enqueues a welcome email that the worker delivers exactly once', async () => {
    const res = await register('welcome1');
    expect(res.status).toBe(201);
    const [email] = await waitFor(() => (f.smtp.to('welcome1@example.test').length ? f.smtp.to('welcome1@example.test') : null), 'the welcome email');
    expect(email.subject).toBe('Welcome to Conduit, welcome1!');
    await waitFor(async () => (await outboxRows()) === 0, 'the outbox to drain');
    const { rows } = await f.pool.query(`SELECT i.completed_at FROM job_idempotency i JOIN users u ON i.key = 'welcome-email:' || u.id WHERE u.username = 'welcome1'`);
    expect(rows[0].completed_at).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.smtp.to('welcome1@example.test')).toHaveLength(1);
  });

  it('registration answers before a slow SMTP server (3 s) has accepted the email', async () => {
    let smtpStarted = false;
    f.smtp.behaviour.beforeAccept = async (email) => {
      if (!email.to.includes('slowmail@example.test')) return;
      smtpStarted = true;
      await new Promise((r) => setTimeout(r, 3_000));
    };
    try {
      const res = await register('slowmail');
      const answeredAt = Date.now();
      expect(res.status).toBe(201);
      // Ordering, not timing: the response exists while the SMTP server has not said 250 yet.
      expect(f.smtp.to('slowmail@example.test')).toHaveLength(0);
      const [email] = await waitFor(() => (f.smtp.to('slowmail@example.test').length ? f.smtp.to('slowmail@example.test') : null), 'the slow email');
      expect(smtpStarted).toBe(true);
      expect(email.acceptedAt).toBeGreaterThan(answeredAt);
    } finally {
      f.smtp.behaviour = {};
    }
  });

  it('a registration that fails (duplicate) leaves no job behind', async () => {
    await waitFor(async () => (await outboxRows()) === 0, 'an empty outbox');
    const before = (await f.pool.query('SELECT count(*) AS n FROM job_idempotency')).rows[0].n;
    const dup = await register('welcome1');
    expect(dup.status).toBe(422);
    expect(await outboxRows()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await f.pool.query('SELECT count(*) AS n FROM job_idempotency')).rows[0].n).toBe(before);
  });

  it('queue Redis down at registration: 201 at once, the job waits in the outbox and is sent when Redis is back', async () => {
    await f.redis.stop();
    try {
      const res = await register('outage1');
      expect(res.status).toBe(201);
      const { rows } = await f.pool.query(`SELECT job_name, payload FROM job_outbox`);
      expect(rows).toEqual([{ job_name: 'welcome-email', payload: expect.objectContaining({ email: 'outage1@example.test', username: 'outage1' }) }]);
      // The worker keeps running through the outage: unready (queue Redis down), rows kept.
      await waitFor(async () => (await fetch(`${worker.url}/health/ready`)).status === 503, 'worker readiness to report the outage');
      expect(await worker.metric('outbox_pending_jobs')).toBe(1);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await outboxRows()).toBe(1);
      expect(f.smtp.to('outage1@example.test')).toHaveLength(0);
    } finally {
      await f.redis.start();
    }
    await waitFor(() => f.smtp.to('outage1@example.test').length === 1, 'the email after Redis came back', 60_000);
    expect(await outboxRows()).toBe(0);
    expect(worker.child.exitCode).toBeNull();
    await waitFor(async () => (await fetch(`${worker.url}/health/ready`)).status === 200, 'worker ready again');
  });
});
