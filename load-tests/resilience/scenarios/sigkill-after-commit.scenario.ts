// SIGKILL at the worst moment of an idempotent create: the article has committed (with its
// Idempotency-Key), the response is neither stored nor sent. The test-only fault point
// `crash-after-commit` (apps/api/src/common/fault-point.ts, enabled by TEST_FAULT_INJECTION in the
// suite's stack) kills the instance there; the client retries with the same key through the load
// balancer and must get the article created the first time: never a second one.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SourceAddressPool } from '../../driver/http-client.ts';
import type { Sample } from '../phase-stats.ts';
import { check, countBy, httpStatus, isServerFailure, sendHttp, timeUntil, type Check, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { requestWithKey, sendWithRetries, slugOf, type Tally } from './idempotent-poster.ts';
import { noExits } from './judging.ts';

const FAULT = { 'x-test-fault': 'crash-after-commit' };

interface Crash {
  key: string;
  title: string;
  /** Sent through the LB, or straight to the instance that then died. */
  via: string;
  /** What the faulted request got (0 = no answer; 201 through the LB = HAProxy's replay on the other instance). */
  firstStatus: number;
  killed?: string;
  retryStatus: number;
  replayed: boolean;
  slug?: string;
}

async function crashCreates(ctx: FaultContext, kills: number): Promise<FaultOutcome> {
  const { stack } = ctx.env;
  const pool = new SourceAddressPool({ first: 190, last: 194, connectionsPerAddress: 2 });
  const run = `${process.pid}-${Date.now()}`;
  const crashes: Crash[] = [];
  const tally: Tally = { slugs: new Map(), retries: 0, replayMismatch: 0, gaveUp: 0, statuses: {} };
  try {
    const login = await sendHttp(
      stack.urls.lb,
      pool.agentFor(1),
      { method: 'POST', path: '/api/users/login', body: { user: { email: 'loadtest-0402@load.test', password: 'loadtest-password' } }, auth: false },
      undefined,
      10_000,
    );
    const token = (login.body as { user?: { token?: string } })?.user?.token;
    if (!token) throw new Error(`sigkill-after-commit: login failed (${login.status})`);
    for (let i = 0; i < kills; i++) {
      const pids = stack.instances.map((h) => h.process.pid);
      const key = `crash-${run}-${i}`;
      const title = `resilience crash-after-commit ${run} ${i}`;
      // Through the LB, HAProxy itself replays the keyed create on the other instance after the
      // empty response; straight to an instance (every other kill), only the client's retry can.
      const direct = i % 2 === 1 ? stack.instances[i % stack.instances.length] : undefined;
      const first = await requestWithKey(direct?.url ?? stack.urls.lb, pool, i, token, key, title, FAULT);
      const died = await timeUntil(() => stack.instances.some((h, j) => h.process.pid !== pids[j]), 10_000, 20);
      const killed = died === undefined ? undefined : stack.instances.find((h, j) => h.process.pid !== pids[j]);
      if (killed) ctx.expectExit(killed.id);
      // The client's retry: same key, same body, no fault header, until answered (409 while the claim is settled).
      const retry = await sendWithRetries(() => requestWithKey(stack.urls.lb, pool, i, token, key, title), tally);
      crashes.push({ key, title, via: direct ? direct.id : 'LB', firstStatus: first.status, killed: killed?.id, retryStatus: retry.status, replayed: retry.replayed, slug: slugOf(retry) });
      if (killed) {
        // Restarted by the supervisor and ready before the next kill: never both instances down at once.
        const oldPid = pids[killed.index - 1];
        const back = await timeUntil(async () => killed.process.pid !== undefined && killed.process.pid !== oldPid && (await httpStatus(`${killed.url}/health/ready`)) === 200, 60_000, 200);
        if (back === undefined) ctx.log(`${killed.id} not ready again within 60 s`);
        await stack.waitForLbState(killed.index, 'UP', 30_000).catch(() => ctx.log(`${killed.id} not UP again within 30 s`));
      }
      await sleep(500);
    }
  } finally {
    await pool.close();
  }
  return { liftedAt: Date.now(), liftedPerf: performance.now(), ...(await verify(ctx, run, crashes)) };
}

async function verify(ctx: FaultContext, run: string, crashes: Crash[]): Promise<Pick<FaultOutcome, 'figures' | 'checks'>> {
  const db = new pg.Client({ connectionString: ctx.env.directDbUrl });
  await db.connect();
  const { rows } = await db.query<{ title: string; slug: string; n: string }>('SELECT title, min(slug) AS slug, count(*) AS n FROM articles WHERE title LIKE $1 GROUP BY title', [
    `resilience crash-after-commit ${run} %`,
  ]);
  await db.end();
  const stored = new Map(rows.map((r) => [r.title, r]));
  const duplicates = rows.reduce((a, r) => a + Number(r.n) - 1, 0);
  const killed = crashes.filter((c) => c.killed);
  const wrong = crashes.filter((c) => !c.slug || stored.get(c.title)?.slug !== c.slug || ![200, 201].includes(c.retryStatus));
  const checks: Check[] = [
    check('0 duplicate articles', duplicates === 0, `${duplicates} extra rows for ${crashes.length} keys`),
    check(
      'the fault point killed an instance every time',
      crashes.length > 0 && killed.length === crashes.length,
      `${killed.length}/${crashes.length} (${crashes.map((c) => c.killed ?? 'none').join(', ')})`,
    ),
    check(
      'every retry answered with the article created before the kill',
      wrong.length === 0 && rows.length === crashes.length,
      `${wrong.length} wrong or missing; ${rows.length} of ${crashes.length} articles stored`,
    ),
  ];
  return {
    figures: {
      'kills at the fault point': crashes.length,
      'faulted requests answered': crashes.map((c) => `${c.firstStatus || 'no answer'} (via ${c.via})`).join(', '),
      'retries answered': JSON.stringify(crashes.map((c) => `${c.retryStatus}${c.replayed ? ' replayed' : ''}`)),
      'duplicate articles': duplicates,
    },
    checks,
  };
}

export function sigkillAfterCommit(d: Durations): ScenarioSpec {
  return {
    name: 'SIGKILL between commit and response (Idempotency-Key retry)',
    expected: 'the create commits, the instance dies before answering, the retry with the same key gets that article: 0 duplicate articles',
    chat: false,
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => crashCreates(ctx, d.crashKills),
    judge({ samples, exits }) {
      return [noExits(exits), serverFailuresFigure(samples)];
    },
  };
}

/** Other traffic in flight on the killed instance may fail (as in the plain SIGKILL scenario): reported, not judged. */
function serverFailuresFigure(samples: Sample[]): Check {
  const n = countBy(samples, isServerFailure);
  return check('steady load: failures reported (requests in flight on a killed instance may fail)', true, `${n} of ${samples.length}`);
}
