// Turns what a driver run recorded into the RunSummary the k6 scripts write too.
import { cpus, totalmem } from 'node:os';
import { JOURNEYS } from '../shared/journeys.ts';
import type { ResourceRow, RunSummary, StressLevel, TimelinePoint } from '../shared/summary.ts';
import { evaluateGate, RELEASE_GATE, STACK_CPU_BUDGET_PCT, STACK_CPU_BUDGET_USERS } from '../shared/thresholds.ts';
import { judgeWork } from '../shared/work-budget.ts';
import { WINDOW_MS, latencyStats, type Recorder } from './recorder.ts';
import type { RunContext, StageOutcome } from './run-context.ts';

export function describeMachine(): string {
  const model = cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus().length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, generator on the same box`;
}

export function summarizeRun(ctx: RunContext, outcome: StageOutcome): RunSummary {
  const { type, settings, rec, sampler } = ctx;
  const durationS = (performance.now() - outcome.started) / 1000;
  const gate = evaluateGate(rec.gateValues(), RELEASE_GATE, settings.weights.chat > 0 ? [] : ['chat_delivery_ms']);
  const work = judgeWork(outcome.fullStrengthWork, { judged: workBudgetApplies(ctx) && ctx.instanceUrls.length > 0, redisNamed: ctx.redisServers.length > 0 });
  const resources: ResourceRow[] = sampler.rows(0);
  ctx.generatorLoop.disable();
  const summary: RunSummary = {
    tool: 'node-driver',
    testType: type,
    startedAt: new Date(rec.startedAt).toISOString(),
    durationS,
    baseUrl: settings.baseUrl,
    machine: describeMachine(),
    users: { max: rec.maxUsers, fullStrengthS: outcome.fullStrengthMs / 1000 },
    http: { requests: rec.requests, failed: rec.failed, failedRate: rec.requests ? rec.failed / rec.requests : 0, rps: rec.requests / durationS, latency: latencyStats(rec.http) },
    checks: { passes: rec.checksPass, fails: rec.checksFail, rate: rec.checksPass + rec.checksFail ? rec.checksPass / (rec.checksPass + rec.checksFail) : 0 },
    chat: chatSummary(rec),
    journeys: JOURNEYS.map((j) => {
      const s = rec.journeys.get(j.name);
      return {
        journey: j.name,
        label: j.label,
        users: s?.users.size ?? 0,
        iterations: s?.iterations ?? 0,
        requests: s?.requests ?? 0,
        errors: s?.errors ?? 0,
        p50: s?.h.percentile(50),
        p95: s?.h.percentile(95),
        p99: s?.h.percentile(99),
      };
    }),
    endpoints: [...rec.endpoints.entries()]
      .map(([name, e]) => ({ name, requests: e.requests, errors: e.errors, p50: e.h.percentile(50), p95: e.h.percentile(95), p99: e.h.percentile(99) }))
      .sort((a, b) => b.requests - a.requests),
    thresholds: [...gate.results, ...(work?.results ?? [])],
    passed: gate.pass && (work?.pass ?? true),
    timeline: withCpu(rec.timeline(), sampler.windows(rec.t0, WINDOW_MS, rec.timeline().length)),
    resources,
    stackCpu: stackCpuOf(ctx, outcome),
    cacheWork: outcome.fullStrengthCache,
    work: outcome.fullStrengthWork,
    notes: runNotes(ctx, resources),
  };
  if (type === 'stress') addStressVerdict(summary, outcome.levels);
  return summary;
}

/**
 * The work budget is for the journey it was measured on: the mixed journey at the budget's user
 * count, held at full strength. It is judged where the API instances' counters are within reach
 * (the driver started the stack, or INSTANCE_URLS names them). A stress run is judged per level.
 */
function workBudgetApplies(ctx: RunContext): boolean {
  return ctx.type !== 'stress' && ctx.rec.maxUsers === STACK_CPU_BUDGET_USERS;
}

function stackCpuOf(ctx: RunContext, outcome: StageOutcome): RunSummary['stackCpu'] {
  const { sampler, rec } = ctx;
  const run = sampler.stackCpu();
  if (!run) return undefined;
  const full = outcome.fullStrengthCpu && sampler.stackCpu(...outcome.fullStrengthCpu);
  const wakeups = outcome.fullStrengthCpu && sampler.stackWakeups(...outcome.fullStrengthCpu);
  const rps = outcome.fullStrengthRps;
  return {
    groups: sampler.stackGroups(),
    run: { avgPct: run.avgPct, maxPct: run.maxPct },
    fullStrength: full && {
      avgPct: full.avgPct,
      maxPct: full.maxPct,
      users: rec.maxUsers,
      rps,
      wakeups: wakeups && rps ? { perRequest: wakeups.perSecond / rps, byGroup: wakeups.byGroup.map((g) => ({ name: g.name, perRequest: g.perSecond / rps })) } : undefined,
    },
    budgetPct: STACK_CPU_BUDGET_PCT,
    budgetUsers: STACK_CPU_BUDGET_USERS,
  };
}

function chatSummary(rec: Recorder): RunSummary['chat'] {
  return {
    users: rec.journeys.get('chat')?.users.size ?? 0,
    connects: rec.chatConnects,
    connectFailures: rec.chatConnectFailures,
    connectMs: latencyStats(rec.chatConnect),
    sent: rec.chatSent,
    received: rec.chatReceived,
    deliveryMs: latencyStats(rec.chatDelivery),
  };
}

/** What a reader needs to judge the numbers: generator delay, a shared box, top errors, the mix. */
function runNotes(ctx: RunContext, resources: ResourceRow[]): string[] {
  const { settings, rec, generatorLoop } = ctx;
  const notes: string[] = [];
  notes.push(`load generator event-loop delay: p99 ${(generatorLoop.percentile(99) / 1e6).toFixed(0)} ms, max ${(generatorLoop.max / 1e6).toFixed(0)} ms (added to the latencies it measured).`);
  const others = resources.find((r) => r.name === 'everything else');
  if (others && others.cpuAvgPct >= 20) {
    notes.push(
      `the box was shared: processes outside this test used ${others.cpuAvgPct.toFixed(0)}% CPU on average (peak ${others.cpuMaxPct.toFixed(0)}%, 100% = one core); latency includes that contention (see "CPU over time").`,
    );
  }
  const reasons = [...rec.errorReasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (reasons.length) notes.push(`most frequent errors: ${reasons.map(([r, n]) => `${r} x${n}`).join('; ')}`);
  if (workBudgetApplies(ctx) && ctx.instanceUrls.length === 0) {
    notes.push('the work budget (database queries and Redis commands per request) was not judged: INSTANCE_URLS (and REDIS_PORTS) name the API instances and Redis servers to read.');
  }
  notes.push(`virtual users came from ${ctx.pool.size || 'up to 249'} loopback source addresses (127.0.0.2-127.0.0.250); rate limits were on.`);
  notes.push(`think time ${settings.thinkMinMs}-${settings.thinkMaxMs} ms between steps; journey mix ${JOURNEYS.map((j) => `${j.name} ${settings.weights[j.name]}`).join(', ')}.`);
  return notes;
}

function withCpu(points: TimelinePoint[], cpu: Array<{ test?: number; others?: number; machine?: number }>): TimelinePoint[] {
  return points.map((p, i) => ({ ...p, cpuTest: cpu[i]?.test, cpuOthers: cpu[i]?.others, cpuMachine: cpu[i]?.machine }));
}

/** The stress verdict is the breaking point, not the gate over the whole (overloaded) run. */
function addStressVerdict(summary: RunSummary, levels: StressLevel[]): void {
  const passing = levels.filter((l) => l.pass).map((l) => l.users);
  const firstFail = levels.find((l) => !l.pass);
  summary.stress = {
    maxPassingUsers: passing.length ? Math.max(...passing) : null,
    firstFailingUsers: firstFail?.users ?? null,
    breach: firstFail ? firstFail.failed.join('; ') : null,
    levels,
  };
  summary.passed = passing.length > 0;
}
