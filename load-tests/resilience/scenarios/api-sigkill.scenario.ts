// One API instance SIGKILLed: GETs fail only until the LB notices, POSTs only if they were in
// flight, and a client retrying with its Idempotency-Key never creates a duplicate.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sample } from '../phase-stats.ts';
import { check, countBy, isServerFailure, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { idempotentPoster } from './idempotent-poster.ts';
import { fails, fmtMs, noExits } from './judging.ts';

async function killOneInstance(ctx: FaultContext, d: Durations): Promise<FaultOutcome> {
  const idem = idempotentPoster(ctx);
  await sleep(1_000);
  ctx.expectExit('api-1');
  const killPerf = performance.now();
  await ctx.env.stack.killInstance(1, 'SIGKILL');
  // kill() returns before the process is gone: until its exit is observed, the kernel still
  // completes TCP handshakes into its listen backlog, so a request sent in that window reached
  // the dying instance (it was in flight there) rather than being refused and redispatched.
  const diedPerf = performance.now();
  const t0 = Date.now();
  await ctx.env.stack.waitForLbState(1, 'DOWN');
  const detectMs = Date.now() - t0;
  await sleep(d.faultS * 1000);
  const t1 = Date.now();
  await ctx.env.stack.startInstance(1);
  const idemResult = await idem.stop();
  return {
    liftedAt: Date.now(),
    liftedPerf: performance.now(),
    detectMs,
    recoverMs: Date.now() - t1,
    figures: { killPerf, diedPerf, 'Idempotency-Key posts': idemResult.summary },
    checks: idemResult.checks,
  };
}

function judgeKill(samples: Sample[], outcome: FaultOutcome, exits: Array<{ name: string }>) {
  const killPerf = Number(outcome.figures?.killPerf);
  const diedPerf = Number(outcome.figures?.diedPerf);
  delete outcome.figures?.killPerf;
  delete outcome.figures?.diedPerf;
  const noticed = killPerf + (outcome.detectMs ?? 0);
  // In flight at the kill: sent before the process had finished dying, still open at kill().
  const inflightPosts = countBy(samples, (s) => s.method === 'POST' && s.at <= diedPerf && s.at + s.ms >= killPerf);
  const postFails = fails(samples, 'POST', killPerf);
  const failedAt = samples
    .filter((s) => s.method === 'POST' && s.at >= killPerf && isServerFailure(s))
    .map((s) => `${s.endpoint} sent ${Math.round(s.at - killPerf)} ms after the kill: ${s.status || s.error}`);
  const getAfter = fails(samples, 'GET', noticed);
  const getBefore = fails(samples, 'GET', killPerf, noticed);
  outcome.figures = { ...outcome.figures, 'GET failures before LB noticed': getBefore, 'POSTs in flight at kill': inflightPosts, 'process gone after kill()': `${Math.round(diedPerf - killPerf)} ms` };
  return [
    check('0 failed GETs after the LB noticed', getAfter === 0, `${getAfter} (LB noticed after ${fmtMs(outcome.detectMs)}; ${getBefore} before)`),
    check('failed POSTs <= POSTs in flight at the kill', postFails <= inflightPosts, `${postFails} failed, ${inflightPosts} in flight${failedAt.length ? ` (${failedAt.join('; ')})` : ''}`),
    noExits(exits),
  ];
}

export function apiSigkill(d: Durations): ScenarioSpec {
  return {
    name: 'SIGKILL of one API instance',
    expected: '0 failed GETs after the LB notices; failed POSTs <= in flight; Idempotency-Key retry -> no duplicate',
    chat: false,
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => killOneInstance(ctx, d),
    judge: ({ samples, outcome, exits }) => judgeKill(samples, outcome, exits),
  };
}
