// The run summary both runners write (JSON file, end-of-test text, HTML report).

import { formatThresholdActual, type ThresholdResult } from './thresholds.ts';
import { formatWork, type WorkPerRequest } from './work-budget.ts';

export interface LatencyStats {
  count: number;
  avg: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface TimelinePoint {
  /** Seconds since the start, end of the window. */
  t: number;
  users: number;
  /** HTTP requests per second in the window. */
  rps: number;
  errors: number;
  p50?: number;
  p95?: number;
  p99?: number;
  chatP95?: number;
  /** Chat deliveries per second. */
  chatRate?: number;
  /** CPU (100 = one core): the system under test incl. generator, everything else, the machine. */
  cpuTest?: number;
  cpuOthers?: number;
  cpuMachine?: number;
}

export interface JourneyRow {
  journey: string;
  label: string;
  users: number;
  iterations: number;
  requests: number;
  errors: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface EndpointRow {
  name: string;
  requests: number;
  errors: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface ResourceRow {
  name: string;
  pids: number[];
  /** Share of one core: 100 = one core busy. */
  cpuAvgPct: number;
  cpuMaxPct: number;
  note?: string;
}

export interface StressLevel {
  users: number;
  pass: boolean;
  requests: number;
  failedRate: number;
  p95?: number;
  p99?: number;
  chatP95?: number;
  failed: string[];
  resources?: ResourceRow[];
  eventLoopP99Ms?: number;
}

/** One cache's work at full strength (load-tests/driver/cache-work.ts). */
export interface CacheWorkRow {
  cache: string;
  /** Shared lookups a second: in-process hits plus Redis lookups. */
  lookupsPerS: number;
  /** Lookups answered without computing: in total, from this instance's memory, from Redis. */
  servedPct: number;
  inProcessPct: number;
  redisPct: number;
  /** Shared entries computed from PostgreSQL a second. */
  sharedComputedPerS: number;
  /** Signed-in reads: the viewer's flags looked up, served from Redis, computed a second. */
  personalLookupsPerS: number;
  personalServedPct?: number;
  personalComputedPerS: number;
}

/** What the read cache did at full strength, from the API instances' counters. */
export interface CacheWork {
  /** The driver's requests and the seconds between the two readings. */
  requests: number;
  seconds: number;
  /** Computations (cache fills from PostgreSQL) per 100 requests: all, shared entries, viewers' flags. */
  computedPer100: number;
  sharedPer100: number;
  personalPer100: number;
  caches: CacheWorkRow[];
}

/** What a request that does nothing cost the machine (load-tests/driver/machine-floor.ts). */
export interface MachineFloorReading {
  usPerRequest: number;
  serversUsPerRequest: number;
  lbUsPerRequest: number;
  requests: number;
  users: number;
  otherPct?: number;
  wakeupsPerRequest?: number;
}

export interface RunSummary {
  tool: 'k6' | 'node-driver';
  testType: string;
  startedAt: string;
  durationS: number;
  baseUrl: string;
  machine: string;
  users: { max: number; fullStrengthS?: number };
  http: { requests: number; failed: number; failedRate: number; rps: number; latency: LatencyStats | null };
  checks: { passes: number; fails: number; rate: number };
  chat: {
    users: number;
    connects: number;
    connectFailures: number;
    connectMs: LatencyStats | null;
    sent: number;
    received: number;
    deliveryMs: LatencyStats | null;
  };
  journeys: JourneyRow[];
  endpoints: EndpointRow[];
  thresholds: ThresholdResult[];
  passed: boolean;
  timeline: TimelinePoint[];
  resources: ResourceRow[];
  /**
   * The stack's CPU (100 = one core): the processes of the system under test summed (API
   * instances, worker, load balancer, Redis, PostgreSQL; not the generator), over the run and over
   * the time at full strength, against STACK_CPU_BUDGET_PCT (reported, not a gate threshold).
   */
  stackCpu?: {
    groups: string[];
    run: { avgPct: number; maxPct: number };
    fullStrength?: {
      avgPct: number;
      maxPct: number;
      users: number;
      rps?: number;
      /**
       * Times the stack's threads slept and were woken, per request (voluntary context switches;
       * load-tests/driver/process-cpu.ts wakeupsOf): a count of the work's shape that does not
       * drift with the machine's speed the way CPU time does.
       */
      wakeups?: { perRequest: number; byGroup: Array<{ name: string; perRequest: number }> };
    };
    /**
     * What a request that does nothing costs on the same machine (servers + HAProxy, µs of CPU,
     * at the gate's pace; load-tests/driver/machine-floor.ts), measured in the same run: the
     * stack's CPU per request divided by it is comparable across machines.
     */
    floor?: MachineFloorReading;
    /** The same floor measured again after the stack stopped (loadtest:ci): the machine's drift over the run. */
    floorAfter?: MachineFloorReading;
    budgetPct: number;
    /** The user count the budget is for; other loads get no verdict. */
    budgetUsers: number;
  };
  /** The read cache at full strength: hit rates by layer and computations per request. */
  cacheWork?: CacheWork;
  /** Database queries and Redis commands per request at full strength (shared/work-budget.ts). */
  work?: WorkPerRequest;
  stress?: {
    maxPassingUsers: number | null;
    firstFailingUsers: number | null;
    breach: string | null;
    bottleneck?: string;
    levels: StressLevel[];
  };
  /** What the run was measured on (release gate: configuration, generator handicap, database aging). */
  conditions?: Record<string, unknown>;
  notes: string[];
}

const ms = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(3)}%`;

const cores = (pct: number) => `${(pct / 100).toFixed(2)} core`;

/** Two lines: the stack's CPU over the run, and at full strength against the budget. */
export function formatStackCpu(c: NonNullable<RunSummary['stackCpu']>): string[] {
  const lines = [`stack CPU (${c.groups.join(', ')}):`, `  over the run            avg ${cores(c.run.avgPct)}  max ${cores(c.run.maxPct)}`];
  const f = c.fullStrength;
  if (f) {
    const verdict = f.users !== c.budgetUsers ? '' : `  (${f.avgPct <= c.budgetPct ? 'within' : 'over'} the ${cores(c.budgetPct)} budget for ${c.budgetUsers} users)`;
    lines.push(`  at full strength (${f.users} users) avg ${cores(f.avgPct)}  max ${cores(f.maxPct)}${verdict}`);
    const perRequestUs = f.rps ? (f.avgPct * 1e4) / f.rps : undefined;
    if (perRequestUs !== undefined) {
      const floor = c.floor && c.floor.usPerRequest > 0 ? c.floor : undefined;
      lines.push(
        `  per request at full strength ${Math.round(perRequestUs)} µs (${f.rps!.toFixed(0)} req/s)${
          floor
            ? `: ${(perRequestUs / floor.usPerRequest).toFixed(1)}x this machine's floor of ${floor.usPerRequest} µs (a request that does nothing, through HAProxy to a bare node:http server, ${floor.users} users at the same pace; servers ${floor.serversUsPerRequest} µs, HAProxy ${floor.lbUsPerRequest} µs; measured before the run${floor.otherPct !== undefined ? `, other work ${floor.otherPct}% of a core` : ''})`
            : ''
        }`,
      );
      if (floor && c.floorAfter && c.floorAfter.usPerRequest > 0) lines.push(`  ${floorDrift(perRequestUs, floor.usPerRequest, c.floorAfter.usPerRequest)}`);
    }
    if (f.wakeups) {
      const parts = f.wakeups.byGroup.filter((g) => g.perRequest >= 0.05).map((g) => `${g.name} ${g.perRequest.toFixed(1)}`);
      const floorWakeups = c.floor?.wakeupsPerRequest ? `; the floor's request: ${c.floor.wakeupsPerRequest.toFixed(1)}` : '';
      lines.push(`  wakeups per request at full strength ${f.wakeups.perRequest.toFixed(1)} (threads that slept and were woken: ${parts.join(', ')}${floorWakeups})`);
    }
  }
  return lines;
}

/**
 * The multiple against the floor measured after the run too. Floors more than a fifth apart are
 * named, and the multiple is given as the range between them: on the box this was built on, the
 * floor after a run came out 12-26% above the one before it, and floors measured back to back with
 * nothing between them ranged over 166-273 µs, so one end alone overstates precision.
 */
export function floorDrift(perRequestUs: number, beforeUs: number, afterUs: number): string {
  const apart = Math.abs(afterUs - beforeUs) / Math.min(beforeUs, afterUs) > 0.2;
  return `${(perRequestUs / afterUs).toFixed(1)}x the floor measured after the run (${afterUs} µs)${
    apart
      ? `: the two floors differ by ${Math.round((100 * (afterUs - beforeUs)) / beforeUs)}%, so read the stack's multiple as between ${(perRequestUs / Math.max(beforeUs, afterUs)).toFixed(1)}x and ${(perRequestUs / Math.min(beforeUs, afterUs)).toFixed(1)}x`
      : ''
  }`;
}

const share = (pct: number | undefined) => (pct === undefined ? '-' : `${pct.toFixed(0)}%`);

/** The cache's work at full strength: computations per request, then one line per cache. */
export function formatCacheWork(w: CacheWork): string[] {
  const lines = [
    `read cache at full strength (API instances' counters, ${w.seconds.toFixed(0)} s, ${w.requests} requests): ${w.computedPer100.toFixed(1)} computations from PostgreSQL per 100 requests (shared entries ${w.sharedPer100.toFixed(1)}, signed-in viewers' flags ${w.personalPer100.toFixed(1)})`,
  ];
  for (const r of w.caches) {
    const personal = r.personalLookupsPerS > 0 ? `; viewers' flags ${r.personalLookupsPerS.toFixed(1)}/s, ${share(r.personalServedPct)} from Redis` : '';
    lines.push(
      `  ${r.cache.padEnd(12)} ${r.lookupsPerS.toFixed(1).padStart(6)} lookups/s, ${share(r.servedPct).padStart(4)} served (in-process ${share(r.inProcessPct)}, Redis ${share(r.redisPct)}), ${r.sharedComputedPerS.toFixed(1)}/s computed${personal}`,
    );
  }
  return lines;
}

/** End-of-test text summary (stdout of both runners). */
export function formatTextSummary(s: RunSummary): string {
  const lines: string[] = [];
  const l = s.http.latency;
  lines.push(`\n=== ${s.testType} run (${s.tool}) against ${s.baseUrl} ===`);
  lines.push(`machine: ${s.machine}`);
  lines.push(`users: ${s.users.max} max${s.users.fullStrengthS !== undefined ? `, ${s.users.fullStrengthS.toFixed(0)} s at full strength` : ''}, duration ${s.durationS.toFixed(0)} s`);
  lines.push(`http: ${s.http.requests} requests, ${s.http.rps.toFixed(1)} req/s, failed ${pct(s.http.failedRate)}, p50 ${ms(l?.p50)} p95 ${ms(l?.p95)} p99 ${ms(l?.p99)} max ${ms(l?.max)}`);
  lines.push(`checks: ${s.checks.passes} passed, ${s.checks.fails} failed (${pct(s.checks.rate)})`);
  if (s.chat.users || s.chat.connects) {
    lines.push(
      `chat: ${s.chat.connects} connects (${s.chat.connectFailures} failed, p95 ${ms(s.chat.connectMs?.p95)}), ${s.chat.sent} sent, ${s.chat.received} delivered, delivery p50 ${ms(s.chat.deliveryMs?.p50)} p95 ${ms(s.chat.deliveryMs?.p95)} p99 ${ms(s.chat.deliveryMs?.p99)}`,
    );
  }
  if (s.journeys.length) {
    lines.push('journeys:');
    for (const j of s.journeys)
      lines.push(
        `  ${j.journey.padEnd(10)} users ${String(j.users).padStart(5)}  iterations ${String(j.iterations).padStart(6)}  requests ${String(j.requests).padStart(7)}  errors ${String(j.errors).padStart(5)}  p95 ${ms(j.p95)}`,
      );
  }
  if (s.resources.length) {
    lines.push('CPU (100% = one core):');
    for (const r of s.resources) lines.push(`  ${r.name.padEnd(22)} avg ${r.cpuAvgPct.toFixed(0).padStart(4)}%  max ${r.cpuMaxPct.toFixed(0).padStart(4)}%${r.note ? `  (${r.note})` : ''}`);
  }
  if (s.stackCpu) lines.push(...formatStackCpu(s.stackCpu));
  if (s.cacheWork) lines.push(...formatCacheWork(s.cacheWork));
  if (s.work) lines.push(...formatWork(s.work));
  if (s.stress) {
    lines.push(
      `stress: max users meeting the gate ${s.stress.maxPassingUsers ?? 'none'}; first failing level ${s.stress.firstFailingUsers ?? 'none reached'}${s.stress.breach ? ` (${s.stress.breach})` : ''}`,
    );
    if (s.stress.bottleneck) lines.push(`  ran out first: ${s.stress.bottleneck}`);
  }
  lines.push('thresholds (release gate):');
  for (const r of s.thresholds) lines.push(`  ${r.pass ? 'PASS' : 'FAIL'}  ${r.label.padEnd(32)} actual ${formatThresholdActual(r)}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(s.passed ? 'RESULT: PASS' : 'RESULT: FAIL (a threshold was breached)');
  return lines.join('\n') + '\n';
}
