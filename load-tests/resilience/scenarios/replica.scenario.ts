// The read replica stopped, or lagging (WAL replay paused on it, so its lag passes
// DB_REPLICA_MAX_LAG_MS while the steady load keeps writing), on the stack with PgBouncer and a
// replica. The ReadRouter (apps/api/src/database/replica/read-router.ts) must send stale-tolerant
// reads to the primary within about a second (its probe runs every 200 ms and trusts an answer
// for 1 s), answer no 5xx meanwhile, and route reads to the replica again once it has recovered.
// Where reads went is what the instances count in db_routed_reads_total (routed-reads.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { REPLICA_MAX_LAG_MS, type Environment } from '../environment.ts';
import { check, countBy, isServerFailure, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { fmtMs, noExits } from './judging.ts';
import { IN_ROTATION, RoutedReadsWatch, fmtReads, replicaShare } from './routed-reads.ts';

/** Reads leave a stopped replica within this (probe every 200 ms, answers trusted 1 s; the scrape adds up to 200 ms). */
const STOPPED_BOUND_MS = 1_000;
/** Reads leave a replica that stopped replaying within this: the lag reaches the maximum, then the same second. */
const LAGGING_BOUND_MS = REPLICA_MAX_LAG_MS + 1_000;
/** After recovery (replica answering again / replay resumed) the router takes it back within this (routed-reads.ts, IN_ROTATION). */
const RETURN_BOUND_MS = 5_000;

function replicaOf(env: Environment) {
  const { replica } = env.stack;
  if (!replica) throw new Error('the stack runs without a replica');
  return replica;
}

/** One statement on the replica (a fresh connection each time: it may have just restarted). */
async function onReplica<T extends pg.QueryResultRow>(env: Environment, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: replicaOf(env).url, connectionTimeoutMillis: 2_000, query_timeout: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** `watch` counts from before the load started (warm-up and `before` are the baseline) and is stopped here. */
async function replicaFault(ctx: FaultContext, kind: 'stopped' | 'lagging', d: Durations, watch: RoutedReadsWatch, baseFrom: number): Promise<FaultOutcome> {
  const { env } = ctx;
  const replica = replicaOf(env);
  try {
    const faultAt = Date.now();
    const baseline = watch.between(baseFrom, faultAt);
    if (kind === 'stopped') {
      ctx.expectExit('postgres-replica');
      await replica.stop();
      await sleep(Math.max(0, d.faultS * 1000 - (Date.now() - faultAt)));
    } else {
      await onReplica(env, 'SELECT pg_wal_replay_pause()');
      // Long enough for the lag to pass the maximum and for reads to stay on the primary a while.
      await sleep(Math.max(d.faultS * 1000, LAGGING_BOUND_MS + 3_000));
    }
    const endAt = Date.now();
    const during = watch.between(faultAt, endAt);
    const leftAfter = watch.lastOnReplica(faultAt, endAt);
    // Recovery: the replica starts again and answers in recovery / replay resumes.
    if (kind === 'stopped') replica.process.start();
    else await onReplica(env, 'SELECT pg_wal_replay_resume()');
    const liftedAt = Date.now();
    const liftedPerf = performance.now();
    const readyMs = await timeUntil(async () => (await onReplica<{ r: boolean }>(env, 'SELECT pg_is_in_recovery() AS r'))[0]?.r === true, 30_000, 100);
    const readyAt = liftedAt + (readyMs ?? 0);
    const backMs = readyMs === undefined ? undefined : await watch.firstAfter(readyAt, RETURN_BOUND_MS + 5_000, IN_ROTATION);
    const servedMs = readyMs === undefined ? undefined : await watch.firstAfter(readyAt, 0);
    return {
      liftedAt,
      liftedPerf,
      detectMs: leftAfter,
      recoverMs: readyMs === undefined || backMs === undefined ? undefined : readyMs + backMs,
      ...verdict(kind, { baseline, during, leftAfter, readyMs, backMs, servedMs }),
    };
  } finally {
    await watch.stop();
  }
}

/** Figures and checks of one replica fault from the reads counted before and during it. */
function verdict(
  kind: 'stopped' | 'lagging',
  r: { baseline: Record<string, number>; during: Record<string, number>; leftAfter: number; readyMs?: number; backMs?: number; servedMs?: number },
): Pick<FaultOutcome, 'figures' | 'checks'> {
  const { baseline, during, leftAfter, readyMs, backMs, servedMs } = r;
  const bound = kind === 'stopped' ? STOPPED_BOUND_MS : LAGGING_BOUND_MS;
  const fallbackReason = kind === 'stopped' ? /^primary:(down|failed)$/ : /^primary:lagging$/;
  const fellBack = Object.entries(during)
    .filter(([k]) => fallbackReason.test(k))
    .reduce((a, [, n]) => a + n, 0);
  return {
    figures: {
      'reads before the fault (warm-up and before)': `${fmtReads(baseline)} (${Math.round(replicaShare(baseline) * 100)}% on the replica)`,
      [`reads while ${kind}`]: fmtReads(during),
      'last read on the replica after the fault began': `${leftAfter} ms`,
      [kind === 'stopped' ? 'replica answering again after its start' : 'replica answering after replay resumed']: fmtMs(readyMs),
      'back in rotation after that (first read past its health and lag checks)': fmtMs(backMs),
      'first read served by it after that (not asserted: recent writes keep reads on the primary)': servedMs === undefined ? 'none in the window' : fmtMs(servedMs),
    },
    checks: [
      check('reads on the replica before the fault', (baseline['replica:ok'] ?? 0) > 0, fmtReads(baseline)),
      check(
        `reads on the primary within ${bound / 1000} s (reason ${kind === 'stopped' ? 'down/failed' : 'lagging'})`,
        fellBack > 0 && leftAfter <= bound,
        `last replica read ${leftAfter} ms after the fault began; ${fellBack} reads fell back`,
      ),
      check(`replica back in rotation within ${RETURN_BOUND_MS / 1000} s of its recovery`, backMs !== undefined && backMs <= RETURN_BOUND_MS, backMs === undefined ? 'never' : `${backMs} ms`),
    ],
  };
}

export function replicaFaults(kind: 'stopped' | 'lagging', d: Durations): ScenarioSpec {
  let watch: RoutedReadsWatch | undefined;
  let watchFrom = 0;
  return {
    name: kind === 'stopped' ? `read replica stopped (down ${d.faultS} s)` : `read replica lagging (replay paused past DB_REPLICA_MAX_LAG_MS ${REPLICA_MAX_LAG_MS} ms)`,
    expected: `0 5xx; reads on the primary within ${(kind === 'stopped' ? STOPPED_BOUND_MS : LAGGING_BOUND_MS) / 1000} s; back in rotation within ${RETURN_BOUND_MS / 1000} s of its recovery`,
    stack: { pgbouncer: true, replica: true },
    chat: false,
    beforeS: d.beforeS,
    afterS: d.afterS,
    // Not a quiet measurement: starts counting routed reads before the load does (the baseline).
    quiet: async ({ env }) => {
      watch = new RoutedReadsWatch(env);
      watch.start();
      watchFrom = Date.now();
      return {};
    },
    fault: (ctx) => replicaFault(ctx, kind, d, watch!, watchFrom),
    judge({ samples, exits }) {
      const failures = countBy(samples, isServerFailure);
      return [noExits(exits), check('0 failed requests (no answer or 5xx)', failures === 0, `${failures} of ${samples.length}`)];
    },
  };
}
