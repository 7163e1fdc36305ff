import { createQueueConnection, createQueues, QUEUES, welcomeEmailJob } from '@conduit/queue';
import { loadAutoscalePolicy, startStack, waitFor, type Stack } from '@conduit/stack';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpSink } from '../../apps/worker/test/support/smtp-sink.ts';
import { hasCommand } from '../../infra/test/support/tools.ts';
import { activeTargets, watchTargets } from './scrape-targets.ts';

/**
 * Worker autoscaling on queue depth in the no-Docker stack (`npm run stack -- --autoscale 2:2
 * --autoscale-workers 1:3`), the policy of infra/autoscaling/policy.json on a clock x 0.1 (KEDA's
 * query: waiting jobs, 200 per replica). A real backlog of welcome-email jobs (the queue helpers'
 * deterministic ids) against a real SMTP server that takes SMTP_DELAY_MS per message makes the
 * pool scale out; the added workers take jobs; every email goes out exactly once (unique
 * Message-ID); after the backlog the pool scales back in once the window has passed, one step per
 * period, each removed worker draining (SIGTERM, its running jobs finish, exit 0) while a trickle
 * of slow jobs keeps some running. Prometheus's worker targets follow the pool.
 * About 70 s, so it runs only in `npm run test:elastic` (ELASTIC_FULL=1), not in `npm test`.
 */
const FULL = process.env.ELASTIC_FULL === '1';
const TIME_FACTOR = 0.1;
const WORKERS = { min: 1, max: 3 };
/** At 10 jobs at a time per worker (WORKER_EMAIL_CONCURRENCY) and 100 ms a message: ~100 emails/s per worker, 20 s for worker-1 alone. */
const BACKLOG = 2_000;
const SMTP_DELAY_MS = 100;
/** During scale-in: a slow job every 250 ms, 2 s each (~8 running, below one worker's 10): removed workers hold running jobs. */
const TRICKLE_EVERY_MS = 250;
const SLOW_DELAY_MS = 2_000;
const PREFIX = 'elastic-jobs';
const HAVE_PROMETHEUS = hasCommand('prometheus') || !!process.env.CI;
if (!HAVE_PROMETHEUS) console.warn('worker-autoscale.e2e: prometheus is not installed, skipping the scrape-target checks (run scripts/install-system-deps.sh)');

const policy = loadAutoscalePolicy();
const windowMs = policy.worker.behavior.scaleDown.stabilizationWindowSeconds * TIME_FACTOR * 1000;
const periodMs = policy.worker.behavior.scaleDown.policies[0].periodSeconds * TIME_FACTOR * 1000;
const messageId = (userId: number) => `<welcome-${userId}@conduit.local>`;

describe.runIf(FULL)('worker autoscaling on queue depth (no-Docker stack)', () => {
  const sink = new SmtpSink();
  const lines: string[] = [];
  let db: TestDatabase;
  let stack: Stack;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    sink.behaviour.beforeAccept = (email) => sleep(email.to[0].startsWith('slow-') ? SLOW_DELAY_MS : SMTP_DELAY_MS);
    await sink.start();
    db = await createTestDatabase();
    stack = await startStack({
      ports: 'auto',
      databaseUrl: db.url,
      web: false,
      prometheus: HAVE_PROMETHEUS,
      autoscale: { min: 2, max: 2, workers: WORKERS, timeFactor: TIME_FACTOR },
      env: { LOG_LEVEL: 'warn', SMTP_PORT: String(sink.port), QUEUE_PREFIX: PREFIX },
      log: (line) => {
        lines.push(line);
        if (line.startsWith('autoscale')) console.log(line);
      },
    });
    redis = createQueueConnection(stack.urls.queueRedis, 'producer', 'worker-autoscale-test');
    // Completed jobs are kept (all of them) so the test can read which worker ran each one.
    const retention = { JOB_ATTEMPTS: 5, JOB_BACKOFF_MS: 500, JOB_KEEP_COMPLETED_SECONDS: 3600, JOB_KEEP_COMPLETED_COUNT: 100_000, JOB_KEEP_FAILED_SECONDS: 3600, JOB_KEEP_FAILED_COUNT: 100_000 };
    queue = createQueues(redis, PREFIX, retention)[QUEUES.email];
  }, 120_000);
  afterAll(async () => {
    await queue?.close().catch(() => {});
    redis?.disconnect();
    await stack?.stop();
    await db?.drop();
    await sink.stop();
  });

  it('scales out on the backlog, added workers send, every email once, drains on scale-in after the window, no flapping, Prometheus follows', async () => {
    const autoscaler = stack.autoscaler!;
    const workerEvents = () => autoscaler.events.filter((e) => e.target === 'worker');
    // Prometheus reads its first target files a moment after it starts: begin once it lists worker-1.
    if (HAVE_PROMETHEUS) await waitFor('Prometheus to list worker-1', async () => (await activeTargets(stack.urls.prometheus!, 'worker')).ids.join() === 'worker-1', 30_000, 250);
    const targets = HAVE_PROMETHEUS ? watchTargets(stack.urls.prometheus!, ['worker', 'api']) : undefined;
    const delivered = () => new Set(sink.received.map((m) => m.messageId));

    const started = Date.now();
    const backlogIds = Array.from({ length: BACKLOG }, (_, i) => i + 1);
    for (let i = 0; i < backlogIds.length; i += 500) await enqueue(queue, backlogIds.slice(i, i + 500), 'user');
    const enqueued = Date.now();
    await waitFor('the backlog delivered', async () => backlogIds.every((id) => delivered().has(messageId(id))), 120_000, 200);
    const drained = Date.now();

    // Slow jobs while the pool scales in: the workers being removed are busy when SIGTERM comes.
    const trickleIds: number[] = [];
    let trickling = true;
    const trickle = (async () => {
      for (let id = BACKLOG + 1; trickling; id++) {
        await enqueue(queue, [id], 'slow');
        trickleIds.push(id);
        await sleep(TRICKLE_EVERY_MS);
      }
    })();
    await waitFor(
      'scale-in back to 1 worker',
      async () => workerEvents().some((e) => e.to < e.from) && workerEvents().at(-1)!.to === WORKERS.min && workerEvents().at(-1)!.doneAt > workerEvents().at(-1)!.at,
      windowMs + periodMs * 3 + 60_000,
      250,
    );
    trickling = false;
    await trickle;
    const allIds = [...backlogIds, ...trickleIds];
    await waitFor('the trickle delivered', async () => trickleIds.every((id) => delivered().has(messageId(id))), 30_000, 200);
    // Nothing left to run, so no late retry can add a duplicate after the counts below.
    const counts = await waitFor(
      'an idle queue',
      async () => {
        const c = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized');
        return c.completed === allIds.length && c.active + c.waiting + c.delayed + c.prioritized === 0 ? c : undefined;
      },
      30_000,
      200,
    ).catch(async () => queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized'));
    const timeline = await targets?.settle(
      'worker',
      autoscaler.members('worker').map((m) => m.id),
    );

    const events = workerEvents();
    const ups = events.filter((e) => e.to > e.from);
    const downs = events.filter((e) => e.to < e.from);
    const jobs = (await queue.getJobs(['completed'], 0, -1)) as Job[];
    const byWorker = countBy(jobs.map((j) => j.processedBy ?? 'unknown'));
    const byMessageId = countBy(sink.received.map((m) => m.messageId));
    const wanted = new Set(allIds.map(messageId));
    const missing = [...wanted].filter((id) => !byMessageId[id]);
    const duplicates = Object.entries(byMessageId).filter(([, n]) => n > 1);
    const unexpected = Object.keys(byMessageId).filter((id) => !wanted.has(id));
    // Removed workers: ids in the pool before a scale-in and not after it; their processes' exits.
    const removed = downs.map((e, i) => ({ event: e, id: (i === 0 ? ups.at(-1)! : downs[i - 1]).members!.find((m) => !e.members!.includes(m))! }));
    const exits = removed.map(({ id }) => ({ id, exit: stack.processes.filter((p) => p.name === id).at(-1)?.lastExit }));
    // Jobs a removed worker finished after its scale-in decision: running (or just taken) when SIGTERM came.
    const finishedWhileDraining = removed.map(({ event, id }) => jobs.filter((j) => j.processedBy === id && (j.finishedOn ?? 0) >= event.at).length);
    const s = (at: number) => ((at - started) / 1000).toFixed(1);
    const report = [
      `time factor ${TIME_FACTOR}: scale-down window ${windowMs / 1000} s, period ${periodMs / 1000} s; backlog ${BACKLOG} jobs at ${SMTP_DELAY_MS} ms per email`,
      `backlog enqueued by ${s(enqueued)} s, delivered by ${s(drained)} s; ${trickleIds.length} slow jobs during scale-in`,
      ...events.map((e) => `  ${s(e.at)} s: ${e.from} -> ${e.to} (done at ${s(e.doneAt)} s, pool ${e.members?.join(',')}${e.error ? `, error ${e.error}` : ''}): ${e.reason}`),
      `jobs by worker: ${JSON.stringify(byWorker)}; queue ${JSON.stringify(counts)}`,
      `emails: ${sink.received.length} received, ${Object.keys(byMessageId).length} distinct Message-IDs, missing ${missing.length}, duplicated ${duplicates.length}, unexpected ${unexpected.length}`,
      `scale-in: ${removed.map(({ id }, i) => `${id} exit ${JSON.stringify(exits[i].exit)}, ${finishedWhileDraining[i]} jobs finished while draining`).join('; ')}`,
      ...(timeline ? [...timeline].map(([job, sets]) => `prometheus ${job} targets: ${sets.map((t) => `[${t.ids.join(',')}]`).join(' -> ')}`) : ['prometheus: not installed, targets not checked']),
    ].join('\n');
    console.log(report);

    // Scale-out on queue depth, printed with its reason and the metric's value, to the pool's max.
    expect(ups.length, report).toBeGreaterThan(0);
    expect(Math.max(...ups.map((e) => e.to)), report).toBe(WORKERS.max);
    expect(
      lines.some((l) => /^autoscale worker: 1 -> [23]: queue_jobs\{state="waiting"\} \d+ in all vs target 200 per replica asks for \d+/.test(l)),
      report,
    ).toBe(true);
    expect(
      events.every((e) => !e.error),
      report,
    ).toBe(true);
    // The added workers took jobs from the backlog.
    for (const id of ups.at(-1)!.members!.filter((m) => m !== 'worker-1')) expect(byWorker[id] ?? 0, `${id}\n${report}`).toBeGreaterThan(0);
    expect(byWorker.unknown, report).toBeUndefined();
    // Exactly once: every job completed, every email sent once by Message-ID, nothing else sent.
    expect(counts, report).toMatchObject({ completed: allIds.length, failed: 0, active: 0, waiting: 0, delayed: 0 });
    expect({ missing: missing.length, duplicates: duplicates.length, unexpected: unexpected.length }, report).toEqual({ missing: 0, duplicates: 0, unexpected: 0 });
    expect(sink.received.length, report).toBe(allIds.length);
    // Order and no flapping: every scale-out, then the backlog drained, then the scale-ins, the first
    // only after the window, then one step per period, down to the minimum.
    expect(
      events.map((e) => Math.sign(e.to - e.from)),
      report,
    ).toEqual([...ups.map(() => 1), ...downs.map(() => -1)]);
    expect(ups.at(-1)!.at, report).toBeLessThan(drained);
    expect(downs[0].at, report).toBeGreaterThan(drained);
    expect(downs[0].at - ups.at(-1)!.at, report).toBeGreaterThanOrEqual(windowMs);
    for (let i = 1; i < downs.length; i++) expect(downs[i].at - downs[i - 1].at, report).toBeGreaterThanOrEqual(periodMs - 1);
    expect(events.at(-1)!.to, report).toBe(WORKERS.min);
    // Scale-in drained: SIGTERM, the running jobs finished there (exit 0, not the deadline's 1 or a SIGKILL).
    expect(
      exits.map((e) => e.exit),
      report,
    ).toEqual(removed.map(() => ({ code: 0, signal: null })));
    expect(
      finishedWhileDraining.reduce((a, b) => a + b, 0),
      report,
    ).toBeGreaterThan(0);
    // Prometheus scraped the pool as it was: worker-1, then the added workers, then worker-1 again.
    if (timeline) {
      const workers = timeline.get('worker')!;
      expect(workers[0].ids, report).toEqual(['worker-1']);
      expect(
        workers.map((t) => t.ids),
        report,
      ).toContainEqual(ups.at(-1)!.members!.slice().sort());
      expect(workers.at(-1)!.ids, report).toEqual(['worker-1']);
      // Every set it scraped was one the pool had: worker-1 plus added workers (started in parallel), at their own URLs.
      const added = new Set(ups.flatMap((e) => e.members!));
      for (const set of workers) expect(set.ids[0] === 'worker-1' && set.ids.every((id) => added.has(id)), `${set.ids}\n${report}`).toBe(true);
      expect(workers.at(-1)!.scrapeUrls, report).toEqual([`${stack.urls.worker}/metrics`]);
      expect(timeline.get('api')!.at(-1)!.ids, report).toEqual(['api-1', 'api-2']);
    }
  }, 240_000);
});

async function enqueue(queue: Queue, ids: number[], kind: 'user' | 'slow'): Promise<void> {
  const jobs = ids.map((userId) => welcomeEmailJob({ userId, email: `${kind}-${userId}@elastic.test`, username: `${kind}${userId}` }));
  await queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.payload, opts: { jobId: j.jobId } })));
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
