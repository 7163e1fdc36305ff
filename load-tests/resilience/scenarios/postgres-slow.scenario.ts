// PostgreSQL slow (fault proxy: +2 s per packet, then hang): budgets hold (503/504 at the budget,
// never 500), the event loop stays responsive, the health endpoints answer.
import { setTimeout as sleep } from 'node:timers/promises';
import { REQUEST_BUDGET_MS } from '../environment.ts';
import { allReady, check, countBy, isServerFailure, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { healthPoller } from './health-poller.ts';
import { BUDGET_SLACK_MS, fmtMs, noExits, overBudget, sum } from './judging.ts';

async function slowPostgres(ctx: FaultContext, d: Durations): Promise<FaultOutcome> {
  const { env } = ctx;
  const health = healthPoller(env);
  env.proxy.set({ kind: 'delay', ms: 2_000 });
  await sleep(d.faultS * 1000);
  env.proxy.set({ kind: 'hang' });
  await sleep(d.faultS * 1000);
  env.proxy.set({ kind: 'pass' });
  env.proxy.dropAll(); // the "network" heals: hung connections are reset
  const liftedAt = Date.now();
  const liftedPerf = performance.now();
  const readyMs = await timeUntil(() => allReady(env), 30_000, 200);
  const h = health.stop();
  return {
    liftedAt,
    liftedPerf,
    recoverMs: readyMs,
    figures: { 'liveness max latency': fmtMs(h.liveMaxMs), 'readiness max latency': fmtMs(h.readyMaxMs) },
    checks: [
      check('event loop responsive: /health/live 200 within 1 s, always', h.liveFailures === 0 && h.liveMaxMs < 1_000, `${h.liveFailures} failures of ${h.polls}, max ${fmtMs(h.liveMaxMs)}`),
      check('/health/ready answers (503 while slow) within 2 s', h.readyUnanswered === 0, `${h.readyUnanswered} unanswered of ${h.polls}; statuses ${JSON.stringify(h.readyStatuses)}`),
    ],
  };
}

export function postgresSlow(d: Durations): ScenarioSpec {
  return {
    name: 'PostgreSQL slow (fault proxy: +2 s per packet, then hang)',
    expected: 'budgets hold (503/504 at the budget, never 500), event loop responsive, health endpoints answer',
    chat: false,
    dependency: 'postgres',
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => slowPostgres(ctx, d),
    judge({ phases, samples, clock, outcome, exits }) {
      const from = clock.window('during')?.[0] ?? 0;
      const over = countBy(samples, (s) => s.at >= from && overBudget(s));
      const s500 = sum([phases.before, phases.during, phases.after], (p) => p.status500);
      const lateFails = countBy(samples, (s) => s.at >= outcome.liftedPerf! + 5_000 && isServerFailure(s));
      return [
        check(`no request over its budget (${REQUEST_BUDGET_MS} ms + ${BUDGET_SLACK_MS} ms)`, over === 0, `${over} over; max during ${fmtMs(phases.during.max)}`),
        check('never a 500 (503/504 only)', s500 === 0, `${s500} x 500; during: ${JSON.stringify(phases.during.byMethodStatus)}`),
        check('0 errors 5 s after the fault ends', lateFails === 0, `${lateFails}`),
        noExits(exits),
      ];
    },
  };
}
