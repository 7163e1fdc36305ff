// An uncaught exception in one API instance (SIGUSR2, turned into one by fault-preload.mjs): it is
// logged, the instance turns unready and drains (the LB notices before it exits), exits non-zero,
// the supervisor restarts it; no request fails, writes included.
import { readFileSync } from 'node:fs';
import { check, httpStatus, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { countStatuses, fmtMs, noExits } from './judging.ts';

async function throwInOneInstance(ctx: FaultContext): Promise<FaultOutcome> {
  const h = ctx.env.stack.instances[0];
  const proc = h.process;
  const pid = proc.pid;
  if (!pid) throw new Error('api-1 is not running');
  const restartsBefore = proc.restarts;
  ctx.expectExit(h.id);
  const t0 = Date.now();
  process.kill(pid, 'SIGUSR2');
  const exitedMs = await timeUntil(() => proc.pid !== pid, 20_000, 50);
  const exitCode = proc.lastExit?.code;
  const detect = await timeUntil(async () => (await ctx.env.stack.lbStatus()).some((s) => s.backend === 'api' && s.server === h.id && s.status !== 'UP'), 10_000, 100);
  const backMs = await timeUntil(async () => proc.restarts > restartsBefore && (await httpStatus(`${h.url}/health/ready`)) === 200, 60_000, 200);
  await ctx.env.stack.waitForLbState(h.index, 'UP', 30_000).catch(() => {});
  const logged = readFileSync(proc.options.logFile, 'utf8').includes('resilience suite: uncaught exception injected');
  return {
    liftedAt: Date.now(),
    liftedPerf: performance.now(),
    detectMs: detect !== undefined ? (exitedMs ?? 0) + detect : undefined,
    recoverMs: Date.now() - t0,
    figures: { 'exit code': String(exitCode), 'exited after': fmtMs(exitedMs), 'restarted and ready after': fmtMs(backMs !== undefined ? (exitedMs ?? 0) + backMs : undefined) },
    checks: [
      check('logged the uncaught exception', logged, logged ? 'fatal line in the instance log' : 'not found in the log'),
      check('exited non-zero', exitCode !== 0 && exitCode !== null && exitCode !== undefined, `exit code ${exitCode}`),
      check('supervisor restarted it (ready again)', backMs !== undefined, `restarts ${proc.restarts - restartsBefore}`),
    ],
  };
}

export function uncaughtException(d: Durations): ScenarioSpec {
  return {
    name: 'uncaught exception in one API instance',
    expected: 'logs it, turns unready and drains before exiting non-zero, the supervisor restarts it, 0 failed requests',
    chat: false,
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => throwInOneInstance(ctx),
    judge({ phases, exits }) {
      const get = countStatuses([phases.during, phases.after], /^GET (ERR|5)/);
      const writes = countStatuses([phases.during, phases.after], /^(POST|PUT|DELETE) (ERR|5)/);
      return [check('0 failed GETs', get === 0, `${get}`), check('0 failed writes (drained before the exit)', writes === 0, `${writes}`), noExits(exits)];
    },
  };
}
