// The mixed journey part of bench:cost: the driver's 1000-user run with CPU per process, Redis
// commands and pg_stat_statements read over the judged part of the hold only (a window that
// starts 8 s after the ramp, so the ramp's sign-ins are left out).
import { runScenario, type Target } from '../../load-tests/driver/run.ts';
import type { ProcessGroup } from '../../load-tests/driver/process-cpu.ts';
import { stagesFor } from '../../load-tests/shared/plan.ts';
import { resolveSettings } from '../../load-tests/shared/settings.ts';
import { monotonicUs, type ProfileWindow } from './cpu-profile.ts';
import type { CostRun } from './cost-report.ts';
import { cpuDelta, snapshotTicks, type TickSnapshot } from './process-ticks.ts';
import type { RedisCommandCount, StatementStats } from './statement-stats.ts';

interface Window {
  fromUs: number;
  toUs: number;
  redis: number[];
  redisEnd: number[];
  ticks: TickSnapshot;
  ticksEnd: TickSnapshot;
}

/** Timers that read the counters at the window's start and end (seconds from now); clear `marks` when the run ends. */
function markWindow(groups: ProcessGroup[], stats: StatementStats, redis: RedisCommandCount[], fromS: number, toS: number): { w: Window; marks: NodeJS.Timeout[] } {
  const w = { fromUs: 0, toUs: 0, redis: [] as number[], redisEnd: [] as number[], ticks: new Map() as TickSnapshot, ticksEnd: new Map() as TickSnapshot };
  const marks = [
    setTimeout(async () => {
      await stats.reset();
      w.fromUs = monotonicUs();
      w.redis = await Promise.all(redis.map((r) => r.commands()));
      w.ticks = await snapshotTicks(groups);
    }, fromS * 1000),
    setTimeout(async () => {
      w.toUs = monotonicUs();
      w.ticksEnd = await snapshotTicks(groups);
      w.redisEnd = await Promise.all(redis.map((r) => r.commands()));
    }, toS * 1000),
  ];
  return { w, marks };
}

export async function runMixedJourney(opts: {
  vus: number;
  rampS: number;
  holdS: number;
  target: Target;
  stats: StatementStats;
  redis: RedisCommandCount[];
  log: (l: string) => void;
}): Promise<{ mixed: CostRun['mixed']; statements: CostRun['statements']; window: ProfileWindow }> {
  const { stats, redis, log, rampS, holdS } = opts;
  const groups: ProcessGroup[] = [{ name: 'load generator', short: 'gen', pids: () => [process.pid] }, ...opts.target.groups];
  const settings = resolveSettings({ VUS: String(opts.vus), RAMP_UP: `${rampS}s`, HOLD: `${holdS}s`, RAMP_DOWN: '5s', BASE_URL: opts.target.baseUrl });
  const winFromS = rampS + 8;
  const winToS = rampS + holdS - 2;
  const { w, marks } = markWindow(groups, stats, redis, winFromS, winToS);
  log(`mixed journey: ${opts.vus} users, ramp ${rampS} s, hold ${holdS} s (measured ${winFromS}-${winToS} s)`);
  const summary = await runScenario({ settings, type: 'ci', stages: stagesFor('ci', settings), target: opts.target, log });
  marks.forEach(clearTimeout);
  const pg = await stats.read();
  // Requests and chat deliveries inside the window, from the driver's 5 s timeline.
  const inWindow = summary.timeline.filter((p) => p.t > winFromS && p.t - 5 < winToS);
  const windowS = (w.toUs - w.fromUs) / 1e6;
  const rps = inWindow.reduce((a, p) => a + p.rps, 0) / Math.max(1, inWindow.length);
  const chatRate = inWindow.reduce((a, p) => a + (p.chatRate ?? 0), 0) / Math.max(1, inWindow.length);
  const requests = Math.max(1, rps * windowS);
  const cpuPct = cpuDelta(groups, w.ticks, w.ticksEnd, windowS * 1e4); // % of one core
  log(`mixed journey window: ${windowS.toFixed(0)} s, ${rps.toFixed(0)} req/s, ${chatRate.toFixed(0)} chat deliveries/s, failed ${(summary.http.failedRate * 100).toFixed(2)}%`);
  for (const note of summary.notes) log(`  ${note}`);
  return {
    window: { fromUs: w.fromUs, toUs: w.toUs },
    statements: pg.statements.slice(0, 25).map((s) => ({ ...s, perRequest: s.calls / requests })),
    mixed: {
      users: opts.vus,
      windowS,
      rps,
      chatDeliveriesPerS: chatRate,
      cpuPct,
      othersPct: summary.resources.find((r) => r.name === 'everything else')?.cpuAvgPct ?? 0,
      generatorPct: cpuPct.gen ?? 0,
      passed: summary.passed,
      p95: summary.http.latency?.p95,
      requests,
      pgExecUsPerRequest: (pg.totalMs * 1000) / requests,
      pgStatementsPerRequest: pg.calls / requests,
      pgPlanUsPerRequest: (pg.planMs * 1000) / requests,
      pgPlannedShare: pg.plans / Math.max(1, pg.calls),
      redisCallsPerRequest: w.redisEnd.reduce((a, v, i) => a + v - w.redis[i], 0) / requests,
      endpointMix: summary.endpoints.map((e) => ({ name: e.name, requests: e.requests })),
      // Deliveries/s in the window over the run's deliveries per message sent.
      chatMessagesPerS: summary.chat.received > 0 ? (chatRate * summary.chat.sent) / summary.chat.received : 0,
    },
  };
}
