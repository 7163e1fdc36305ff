import { OutboxRelay, QUEUES, welcomeEmailJob } from '@conduit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFixture } from './support/queue-fixture.js';

// The relay alone against real PostgreSQL and a real queue Redis of its own; no worker.
describe('OutboxRelay (real PostgreSQL + Redis)', () => {
  const f = new QueueFixture();

  beforeAll(async () => {
    await f.start();
  }, 60_000);
  afterAll(() => f.close());

  const insert = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const job = welcomeEmailJob({ userId: i, email: `r${i}@example.test`, username: `r${i}` });
      await f.pool.query('INSERT INTO job_outbox (queue, job_name, job_id, payload) VALUES ($1, $2, $3, $4)', [job.queue, job.name, job.jobId, job.payload]);
    }
  };
  const queues = () => ({ [QUEUES.email]: f.queue(QUEUES.email), [QUEUES.image]: f.queue(QUEUES.image) });

  it('three relays at once hand every row to BullMQ exactly once and empty the outbox', async () => {
    await insert(1, 120);
    const relays = [1, 2, 3].map(() => new OutboxRelay({ pool: f.pool, queues: queues(), batchSize: 7, pollIntervalMs: 20 }));
    const counts = await Promise.all(
      relays.map(async (relay) => {
        let total = 0;
        for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) total += n;
        return total;
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1); // the work was actually shared
    expect((await f.pool.query('SELECT count(*)::int AS n FROM job_outbox')).rows[0].n).toBe(0);
    expect(await f.queue(QUEUES.email).getWaitingCount()).toBe(120);
    const job = await f.queue(QUEUES.email).getJob('welcome-email-7');
    expect(job!.data).toEqual({ userId: 7, email: 'r7@example.test', username: 'r7' });
  });

  it('a row relayed again (crash between add and delete) does not duplicate the job', async () => {
    await insert(7, 1); // same job id as an existing job
    const relay = new OutboxRelay({ pool: f.pool, queues: queues(), batchSize: 10, pollIntervalMs: 20 });
    expect(await relay.relayOnce()).toBe(1);
    expect(await f.queue(QUEUES.email).getWaitingCount()).toBe(120);
  });

  it('keeps the rows when Redis is down and relays them when it is back', async () => {
    await insert(500, 3);
    const errors: Error[] = [];
    const relay = new OutboxRelay({ pool: f.pool, queues: queues(), batchSize: 10, pollIntervalMs: 20, onError: (e) => errors.push(e) });
    await f.redis.stop();
    try {
      await expect(relay.relayOnce()).rejects.toThrow();
      expect((await f.pool.query('SELECT count(*)::int AS n FROM job_outbox')).rows[0].n).toBe(3);
    } finally {
      await f.redis.start();
    }
    relay.start();
    const deadline = Date.now() + 30_000;
    while ((await f.pool.query('SELECT count(*)::int AS n FROM job_outbox')).rows[0].n > 0) {
      if (Date.now() > deadline) throw new Error('outbox not drained');
      await new Promise((r) => setTimeout(r, 100));
    }
    await relay.stop();
    expect(await f.queue(QUEUES.email).getJob('welcome-email-501')).toBeTruthy();
  });
});
