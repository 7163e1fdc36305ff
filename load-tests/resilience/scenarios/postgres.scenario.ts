// PostgreSQL restarted (own cluster: fast shutdown, down faultS, start), or every app connection
// terminated: no process exits, 503 (never 500) while down, 0 errors 5 s after it is back.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Environment } from '../environment.ts';
import { allReady, check, countBy, isServerFailure, lastFailureAfter, timeUntil, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { fmtMs, noExits, sum } from './judging.ts';

async function restartPostgres(env: Environment, d: Durations): Promise<FaultOutcome> {
  const t0 = Date.now();
  const notReady = timeUntil(async () => !(await allReady(env)), 15_000, 100);
  await env.pg.stop('fast');
  const detect = await notReady;
  await sleep(Math.max(0, d.faultS * 1000 - (Date.now() - t0)));
  await env.pg.start();
  const liftedAt = Date.now();
  const liftedPerf = performance.now();
  const readyMs = await timeUntil(() => allReady(env), 30_000, 100);
  return { liftedAt, liftedPerf, detectMs: detect, recoverMs: readyMs };
}

async function terminateConnections(env: Environment): Promise<FaultOutcome> {
  const client = new pg.Client({ connectionString: env.directDbUrl, application_name: 'resilience-suite' });
  await client.connect();
  let terminated = 0;
  try {
    for (let i = 0; i < 3; i++) {
      const r = await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'conduit-%' AND pid <> pg_backend_pid()");
      terminated += r.rowCount ?? 0;
      await sleep(1_000);
    }
  } finally {
    await client.end();
  }
  return {
    liftedAt: Date.now(),
    liftedPerf: performance.now(),
    figures: { 'backends terminated (3 rounds)': terminated },
    checks: [check('app connections were terminated', terminated > 0, `${terminated}`)],
  };
}

export function postgres(kind: 'restart' | 'terminate', d: Durations): ScenarioSpec {
  return {
    name: kind === 'restart' ? `PostgreSQL restarted (down ${d.faultS} s)` : 'PostgreSQL: all app connections terminated',
    expected: 'no process exits; 503 (never 500) while down; 0 errors 5 s after it is back',
    chat: kind === 'restart',
    dependency: 'postgres',
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => (kind === 'restart' ? restartPostgres(ctx.env, d) : terminateConnections(ctx.env)),
    judge({ phases, samples, outcome, exits, chat }) {
      const s500 = sum([phases.before, phases.during, phases.after], (p) => p.status500);
      const connErr = phases.during.connectionErrors + phases.after.connectionErrors;
      const lateFails = countBy(samples, (s) => s.at >= outcome.liftedPerf! + 5_000 && isServerFailure(s));
      const during503 = Object.entries(phases.during.byMethodStatus)
        .filter(([k]) => k.endsWith(' 503'))
        .reduce((a, [, n]) => a + n, 0);
      outcome.figures = { ...outcome.figures, '503 during': during503, 'last failure after back': fmtMs(lastFailureAfter(samples, outcome.liftedPerf!)) };
      const checks = [
        noExits(exits),
        check('never a 500 (503 while down)', s500 === 0, `${s500} x 500, ${during503} x 503 during`),
        check('no connection errors', connErr === 0, `${connErr} ${JSON.stringify({ ...phases.during.errorKinds, ...phases.after.errorKinds })}`),
        check('0 errors 5 s after it is back', lateFails === 0, `${lateFails}`),
      ];
      if (chat) checks.push(check('no chat message lost', chat.lost === 0, `lost ${chat.lost}, acked ${chat.acked}, send failures ${chat.sendFailures}`));
      return checks;
    },
  };
}
