import { OutboxRelay, QUEUES, welcomeEmailJob } from '@conduit/queue';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Found by the resilience suite (npm run test:resilience, "PostgreSQL slow"): the worker exited
// with an uncaught "Connection terminated unexpectedly" when the relay's checked-out connection
// died while the batch waited on the queue Redis. Real PostgreSQL; the queue is a stand-in whose
// addBulk we hold open, so the connection can be terminated at exactly that moment.
describe('OutboxRelay: the connection dies while a batch waits on the queue', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let admin: pg.Client;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1, application_name: 'relay-connection-loss' });
    pool.on('error', () => {}); // as createPool does for idle clients
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    process.on('uncaughtException', onUncaught);
  }, 60_000);

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await admin?.end();
    await pool?.end();
    await db?.drop();
  });

  it('fails the batch (rows stay), does not crash the process, and the next batch relays them on a new connection', async () => {
    const job = welcomeEmailJob({ userId: 1, email: 'r1@example.test', username: 'r1' });
    await pool.query('INSERT INTO job_outbox (queue, job_name, job_id, payload) VALUES ($1, $2, $3, $4)', [job.queue, job.name, job.jobId, job.payload]);
    const added: string[] = [];
    let killConnection = true;
    const queue = {
      addBulk: async (jobs: Array<{ opts: { jobId: string } }>) => {
        if (killConnection) {
          killConnection = false;
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relay-connection-loss'");
          await new Promise((resolve) => setTimeout(resolve, 300)); // the 'error' arrives while the client is checked out
        }
        added.push(...jobs.map((j) => j.opts.jobId));
        return [];
      },
    } as unknown as Queue;
    const relay = new OutboxRelay({ pool, queues: { [QUEUES.email]: queue, [QUEUES.image]: queue }, batchSize: 10, pollIntervalMs: 20 });

    await expect(relay.relayOnce()).rejects.toThrow();
    expect((await pool.query('SELECT count(*)::int AS n FROM job_outbox')).rows[0].n).toBe(1);
    expect(await relay.relayOnce()).toBe(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM job_outbox')).rows[0].n).toBe(0);
    expect(uncaught).toEqual([]);
  });
});
