// Worker SIGKILLed during a batch of 1000 welcome-email jobs. The side effect (an email) has a
// unique key: its Message-ID `<welcome-<userId>@conduit.local>`, counted by the suite's SMTP sink.
// The jobs are added straight to the queue Redis as the outbox relay would (same queue, name,
// deterministic job id); the worker is killed with SIGKILL once a quarter of them went out, and
// the stack supervisor restarts it. Expected: every email's side effect exactly once.
//
// Why "by unique key": jobs are at-least-once. A worker killed after the SMTP server accepted a
// message but before the idempotency record was marked completed re-sends it on retry (a few
// ms window per in-flight job, so up to the worker's concurrency per crash). The re-sent message
// carries the same Message-ID, which is the side effect's unique key: a receiver (MTA, inbox)
// keeps one. So "duplicate side effects" counts distinct keys delivered more than once AFTER that
// de-duplication (always 0 unless keys were unstable), and the raw re-deliveries are reported
// separately so the at-least-once window stays visible.
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import pg from 'pg';
import type { Environment } from '../environment.ts';
import { check, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';

const JOBS = 1000;

/** The batch: JOBS welcome-email jobs for fresh user ids, and their emails' Message-IDs. */
function welcomeBatch() {
  const base = 10_000_000 + (Date.now() % 1_000_000) * 1_000;
  const ids = Array.from({ length: JOBS }, (_, i) => base + i);
  const wanted = new Set(ids.map((id) => `<welcome-${id}@conduit.local>`));
  return { base, ids, wanted };
}

async function enqueue(queue: Queue, ids: number[]): Promise<void> {
  await queue.addBulk(
    ids.map((userId) => ({
      name: 'welcome-email',
      data: { userId, email: `resilience-${userId}@load.test`, username: `res${userId}` },
      opts: { jobId: `welcome-email-${userId}`, attempts: 5, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
    })),
  );
}

async function completedIdempotencyRecords(env: Environment, ids: number[]): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: env.directDbUrl });
  await client.connect();
  const { rows: marks } = await client.query<{ n: string }>('SELECT count(*) AS n FROM job_idempotency WHERE key = ANY($1) AND completed_at IS NOT NULL', [ids.map((id) => `welcome-email:${id}`)]);
  await client.end();
  return marks[0]?.n;
}

async function killWorkerMidBatch(ctx: FaultContext, d: Durations): Promise<FaultOutcome> {
  const { env } = ctx;
  const worker = env.stack.processes.find((p) => p.name === 'worker');
  if (!worker?.pid) throw new Error('the stack has no running worker');
  const { base, ids, wanted } = welcomeBatch();
  const delivered = () => [...env.smtp.messages.entries()].filter(([id]) => wanted.has(id));
  const queue = new Queue('email', { connection: { url: env.stack.urls.queueRedis, maxRetriesPerRequest: 3 }, prefix: 'conduit-jobs' });
  const t0 = Date.now();
  try {
    await enqueue(queue, ids);
    const quarter = await timeUntil(() => delivered().length >= JOBS / 4, 60_000, 20);
    if (quarter === undefined) throw new Error(`the worker did not send ${JOBS / 4} emails within 60 s (sent ${delivered().length})`);
    const atKill = delivered().length;
    ctx.expectExit('worker');
    worker.crash('SIGKILL'); // from "outside": the supervisor restarts it
    const done = await timeUntil(() => delivered().length >= JOBS, d.faultS > 8 ? 180_000 : 120_000, 100);
    await sleep(3_000); // late duplicates would arrive now
    const rows = delivered();
    // Re-deliveries of the same Message-ID (absorbed by the unique key at the receiver).
    const redeliveries = rows.reduce((a, [, n]) => a + n - 1, 0);
    // Side effects without a stable key would show up as extra distinct ids outside `wanted`.
    const unkeyed = [...env.smtp.messages.keys()].filter(
      (id) => !wanted.has(id) && /welcome-(\d+)@/.test(id) && Number(/welcome-(\d+)@/.exec(id)![1]) >= base && Number(/welcome-(\d+)@/.exec(id)![1]) < base + JOBS,
    ).length;
    const marks = await completedIdempotencyRecords(env, ids);
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    return {
      liftedAt: Date.now(),
      liftedPerf: performance.now(),
      recoverMs: done,
      figures: {
        'sent before the kill': atKill,
        'SMTP re-deliveries of an already-sent Message-ID (at-least-once window, de-duplicated by the key)': redeliveries,
        'batch took': `${((Date.now() - t0) / 1000).toFixed(1)} s`,
        'queue after': JSON.stringify(counts),
        'completed idempotency records': marks,
      },
      checks: [
        check('0 jobs lost (every email sent)', rows.length === JOBS, `${rows.length}/${JOBS} distinct emails`),
        check(
          '0 duplicate side effects (distinct Message-IDs)',
          unkeyed === 0 && rows.length === JOBS,
          `${rows.length} distinct keys for ${JOBS} jobs, ${unkeyed} unkeyed extras; ${redeliveries} re-deliveries of a key`,
        ),
        check('worker restarted by the supervisor', worker.running && worker.restarts > 0, `restarts ${worker.restarts}`),
      ],
    };
  } finally {
    await queue.close();
  }
}

export function workerBatch(d: Durations): ScenarioSpec {
  return {
    name: `worker SIGKILLed during a batch of ${JOBS} jobs`,
    expected: '0 jobs lost, 0 duplicate side effects (emails by unique Message-ID)',
    chat: false,
    beforeS: d.beforeS,
    afterS: Math.min(d.afterS, 5),
    fault: (ctx) => killWorkerMidBatch(ctx, d),
    judge() {
      return [];
    },
  };
}
