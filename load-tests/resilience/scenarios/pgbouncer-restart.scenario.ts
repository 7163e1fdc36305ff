// PgBouncer restarted (SIGTERM: immediate shutdown, in-flight transactions cut; started again
// after a second) under the steady load plus an Idempotency-Key poster, on the stack with
// PgBouncer and a replica. Expected: every request in flight or sent meanwhile answers 2xx/4xx or
// a clean 503 (never another 5xx, never no answer); nothing half-written (each article of the
// poster has its tag row, the article counters match the rows) or doubled (count per key); no
// request fails 5 s after PgBouncer is back.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Environment } from '../environment.ts';
import type { Sample } from '../phase-stats.ts';
import { check, countBy, isServerFailure, lastFailureAfter, type Check, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { idempotentPoster } from './idempotent-poster.ts';
import { fmtMs, noExits } from './judging.ts';

/** How long PgBouncer stays down: a restart, not an outage (the PostgreSQL scenarios cover those). */
const DOWN_MS = 1_000;
/** Service is back (no failure of any kind) this long after PgBouncer answers again. */
const RETURN_BOUND_MS = 5_000;
/** The poster keeps writing this long after the restart, so its retries cross it. */
const POST_AFTER_MS = 3_000;

/** Answered, but neither 2xx/3xx/4xx nor 503: the failures the restart must not cause. */
const unclean = (s: Sample) => s.status === 0 || (s.status >= 500 && s.status !== 503);

/** Whole-database integrity: every article of this run has its tag row; the counter shards add up to the rows. */
async function integrity(env: Environment): Promise<Check[]> {
  const db = new pg.Client({ connectionString: env.directDbUrl, query_timeout: 10_000 });
  await db.connect();
  try {
    const { rows } = await db.query<{ articles: number; counted: number; untagged: number }>(`
      SELECT (SELECT count(*)::int FROM articles) AS articles,
             (SELECT COALESCE(sum(articles_count), 0)::int FROM article_totals) AS counted,
             (SELECT count(*)::int FROM articles a WHERE a.title LIKE 'resilience idem %'
                AND NOT EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id)) AS untagged`);
    const r = rows[0];
    return [
      check('nothing half-written: every posted article has its tag row', r.untagged === 0, `${r.untagged} without`),
      check('nothing half-written: article counters match the rows', r.counted === r.articles, `${r.counted} counted, ${r.articles} rows`),
    ];
  } finally {
    await db.end().catch(() => {});
  }
}

async function restartPgBouncer(ctx: FaultContext): Promise<FaultOutcome> {
  const { pgbouncer } = ctx.env.stack;
  if (!pgbouncer) throw new Error('the stack runs without PgBouncer');
  const idem = idempotentPoster(ctx);
  await sleep(1_000);
  ctx.expectExit('pgbouncer');
  const cutPerf = performance.now();
  await pgbouncer.process.stop('SIGTERM', 5_000);
  await sleep(DOWN_MS);
  const t0 = Date.now();
  await pgbouncer.start();
  const liftedAt = Date.now();
  const liftedPerf = performance.now();
  await sleep(POST_AFTER_MS);
  const posted = await idem.stop();
  const retried = Object.entries(posted.statuses);
  return {
    liftedAt,
    liftedPerf,
    recoverMs: liftedAt - t0,
    figures: { cutPerf, 'Idempotency-Key posts': posted.summary },
    checks: [
      ...posted.checks,
      check(
        "poster's answers: 503 or 409 only (never another 5xx, never no answer)",
        retried.every(([status]) => status === '503' || status === '409'),
        retried.length ? retried.map(([s, n]) => `${n} x ${s === '0' ? 'no answer' : s}`).join(', ') : 'none retried',
      ),
      ...(await integrity(ctx.env)),
    ],
  };
}

export function pgbouncerRestart(d: Durations): ScenarioSpec {
  return {
    name: `PgBouncer restarted (down ${DOWN_MS / 1000} s)`,
    expected: `2xx/4xx or 503 only (never another 5xx or no answer); nothing half-written or doubled; 0 failures ${RETURN_BOUND_MS / 1000} s after it is back`,
    stack: { pgbouncer: true, replica: true },
    chat: false,
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => restartPgBouncer(ctx),
    judge({ samples, outcome, exits }) {
      const cutPerf = Number(outcome.figures?.cutPerf);
      delete outcome.figures?.cutPerf;
      const bad = samples.filter(unclean);
      const s503 = countBy(samples, (s) => s.status === 503 && s.at >= cutPerf - 10_000);
      const lastFail = lastFailureAfter(samples, outcome.liftedPerf!);
      const late = countBy(samples, (s) => s.at >= outcome.liftedPerf! + RETURN_BOUND_MS && isServerFailure(s));
      outcome.figures = { ...outcome.figures, '503 around the restart': s503, 'last failure after it was back': fmtMs(lastFail) };
      const kinds: Record<string, number> = {};
      for (const s of bad) kinds[`${s.method} ${s.status || s.error || 'no answer'}`] = (kinds[`${s.method} ${s.status || s.error || 'no answer'}`] ?? 0) + 1;
      return [
        noExits(exits),
        check('steady load: 2xx/4xx or 503 only (never another 5xx, never no answer)', bad.length === 0, bad.length ? JSON.stringify(kinds) : `0 of ${samples.length} (${s503} x 503)`),
        check(`0 failures ${RETURN_BOUND_MS / 1000} s after it is back`, late === 0, `${late}; last failure ${fmtMs(lastFail)} after`),
      ];
    },
  };
}
