// bench/results/cost-per-request.{json,md}: the figures of one bench:cost run, with the stored
// baseline (cost-per-request.before.json) in "before" columns. What was done about each hot frame
// or statement comes from cost-notes.ts, so the table is regenerated, never hand-edited.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameCost } from './cpu-profile.ts';
import type { EndpointCost } from './endpoint-cost.ts';
import type { StatementCost } from './statement-stats.ts';
import { noteFor, statementOwner } from './cost-notes.ts';
import { reconcile } from './reconcile.ts';

export interface CostRun {
  measuredAt: string;
  machine: string;
  commit: string;
  mixed: {
    users: number;
    windowS: number;
    rps: number;
    chatDeliveriesPerS: number;
    /** % of one core per process group over the window. */
    cpuPct: Record<string, number>;
    othersPct: number;
    generatorPct: number;
    passed: boolean;
    p95?: number;
    requests: number;
    pgExecUsPerRequest: number;
    pgStatementsPerRequest: number;
    /** track_planning (absent in runs before it was on). */
    pgPlanUsPerRequest?: number;
    pgPlannedShare?: number;
    redisCallsPerRequest: number;
    /** Requests per driver endpoint over the whole run (absent in runs before it was recorded). */
    endpointMix?: Array<{ name: string; requests: number }>;
    chatMessagesPerS?: number;
  };
  apiFrames: Array<FrameCost & { usPerRequest: number }>;
  apiAreas: Array<{ area: string; selfUs: number; usPerRequest: number }>;
  apiProfiledUsPerRequest: number;
  workerFrames: Array<FrameCost & { usPerRequest: number }>;
  statements: Array<StatementCost & { perRequest: number }>;
  endpoints: EndpointCost[];
  chat: EndpointCost[];
  chatDeliveriesPerMessage: number;
}

const f0 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(0));
const f1 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));
const cell = (s: string) => s.replace(/\|/g, '\\|');
const STACK = ['api', 'worker', 'pg', 'redis', 'lb'];
const stackPct = (r: CostRun) => STACK.reduce((a, k) => a + (r.mixed.cpuPct[k] ?? 0), 0);
const apiUsPerRequest = (r: CostRun) => (((r.mixed.cpuPct.api ?? 0) / 100) * 1e6) / Math.max(1, r.mixed.rps);

function mixedTable(after: CostRun, before?: CostRun): string[] {
  const rows: Array<[string, (r: CostRun) => string]> = [
    ['requests/s (driver, judged window)', (r) => f0(r.mixed.rps)],
    ['chat deliveries/s', (r) => f0(r.mixed.chatDeliveriesPerS)],
    ['p95 over the run (ms)', (r) => f0(r.mixed.p95)],
    ['**whole stack CPU (API + worker + PostgreSQL + Redis + HAProxy), cores**', (r) => `**${f2(stackPct(r) / 100)}**`],
    ...STACK.map((k): [string, (r: CostRun) => string] => [`CPU ${k} (% of one core)`, (r) => f0(r.mixed.cpuPct[k])]),
    ['CPU load generator (% of one core)', (r) => f0(r.mixed.cpuPct.gen)],
    ['CPU of other work on the box, whole run (% of one core)', (r) => f0(r.mixed.othersPct)],
    ['API CPU per request, µs (both instances / req/s; chat included)', (r) => f0(apiUsPerRequest(r))],
    ['PostgreSQL execution per request, µs (pg_stat_statements)', (r) => f0(r.mixed.pgExecUsPerRequest)],
    ['PostgreSQL statements per request', (r) => f2(r.mixed.pgStatementsPerRequest)],
    ['PostgreSQL planning per request, µs (pg_stat_statements.track_planning)', (r) => f0(r.mixed.pgPlanUsPerRequest)],
    ['share of executions that were planned (a cached generic plan is not planned again)', (r) => f2(r.mixed.pgPlannedShare)],
    ['Redis commands per request (cache + queue Redis; commands inside Lua scripts count too)', (r) => f2(r.mixed.redisCallsPerRequest)],
  ];
  return ['| | before | after |', '|---|---|---|', ...rows.map(([label, get]) => `| ${label} | ${before ? get(before) : '-'} | ${get(after)} |`)];
}

function costTable(title: string, after: EndpointCost[], before: EndpointCost[] | undefined): string[] {
  const b = new Map((before ?? []).map((r) => [r.name, r]));
  const pair = (x: number | undefined, y: number | undefined, fmt = f0) => `${fmt(x)} → ${fmt(y)}`;
  return [
    `| ${title} | n | API CPU µs | PostgreSQL exec µs | PostgreSQL backend CPU µs | statements | Redis commands | HAProxy CPU µs | worker CPU µs |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...after.map((r) => {
      const p = b.get(r.name);
      return `| ${cell(r.name)}${r.failed ? ` (${r.failed} failed)` : ''} | ${r.requests} | ${pair(p?.cpuUs.api, r.cpuUs.api)} | ${pair(p?.pgExecUs, r.pgExecUs)} | ${pair(p?.cpuUs.pg, r.cpuUs.pg)} | ${pair(p?.pgStatements, r.pgStatements, f1)} | ${pair(p?.redisCalls, r.redisCalls, f1)} | ${pair(p?.cpuUs.lb, r.cpuUs.lb)} | ${pair(p?.cpuUs.worker, r.cpuUs.worker)} |`;
    }),
  ];
}

function framesTable(after: CostRun['apiFrames'], before: CostRun['apiFrames'] | undefined, n: number): string[] {
  const lead = (before ?? after).slice(0, n);
  const a = new Map(after.map((f) => [f.frame, f]));
  return [
    '| # | frame (self time) | area | µs per request before | after | what was done |',
    '|---|---|---|---|---|---|',
    ...lead.map(
      (f, i) =>
        `| ${i + 1} | \`${cell(f.frame)}\` | ${f.area} | ${before ? f1(f.usPerRequest) : '-'} | ${f1(a.get(f.frame)?.usPerRequest ?? (before ? 0 : f.usPerRequest))} | ${cell(noteFor(f.frame))} |`,
    ),
  ];
}

function statementsTable(after: CostRun['statements'], before: CostRun['statements'] | undefined, n: number): string[] {
  const lead = (before ?? after).slice(0, n);
  const key = (q: string) => q.slice(0, 200);
  const a = new Map(after.map((s) => [key(s.query), s]));
  return [
    '| # | statement | calls per request | mean ms | total ms before | after | owner | what was done |',
    '|---|---|---|---|---|---|---|---|',
    ...lead.map((s, i) => {
      const now = a.get(key(s.query));
      const ba = (x: string, y: string) => (before ? `${x} → ${y}` : y);
      return `| ${i + 1} | \`${cell(s.query.slice(0, 140))}${s.query.length > 140 ? '…' : ''}\` | ${ba(f2(s.perRequest), f2(now?.perRequest))} | ${ba(f2(s.meanMs), f2(now?.meanMs))} | ${before ? f0(s.totalMs) : '-'} | ${f0(now?.totalMs)} | ${statementOwner(s.query)} | ${cell(noteFor(s.query))} |`;
    }),
  ];
}

export function renderCostReport(after: CostRun, before?: CostRun): string {
  const lines = [
    '# Cost per request',
    '',
    'Generated by `npm run bench:cost` (bench/cost/cost.bench.ts); do not edit by hand. "before" is the stored baseline',
    '(`bench/results/cost-per-request.before.json`, taken before the CPU work), "after" is the latest run.',
    '',
    `- after: ${after.measuredAt}, ${after.machine}; other work on the box used ${f0(after.mixed.othersPct)}% of a core on average.`,
    before ? `- before: ${before.measuredAt}, ${before.machine}; other work on the box used ${f0(before.mixed.othersPct)}% of a core on average.` : '- before: no baseline stored.',
    '- Stack: 2 API instances, worker, HAProxy, cache + queue Redis (the loadtest:ci stack), a private PostgreSQL 15 cluster with `pg_stat_statements`, seed scale 0.2.',
    '- CPU per request comes from /proc (utime + stime of each process) over the measured window; "Redis commands" count every command Redis executed, including those inside Lua scripts (a script call is one round trip), so batching several keys into one script shows as fewer commands only when the script itself runs fewer.',
    '- V8 profile frames are sampled (`--cpu-prof`, ~1 ms): a sample lands on whatever the thread was running, including time it waited for a CPU inside a syscall on a busy box, so native write frames are inflated when other work shares the cores.',
    '',
    `## Mixed journey, ${after.mixed.users} users (Node driver, think time 1-3 s, judged ${f0(after.mixed.windowS)} s of the hold)`,
    '',
    ...mixedTable(after, before),
    '',
    '## Per endpoint (each measured alone through HAProxy, 16 concurrent, µs per request, before → after)',
    '',
    ...costTable('endpoint', after.endpoints, before?.endpoints),
    '',
    ...reconciliationSection(after),
    `## Per chat event (100 Socket.IO clients in 10 rooms; ${f1(after.chatDeliveriesPerMessage)} deliveries per message)`,
    '',
    ...costTable('event', after.chat, before?.chat),
    '',
    '## Top 10 API frames in the mixed journey (self time of both instances, µs per request)',
    '',
    `Profiled API CPU per request: ${before ? `${f0(before.apiProfiledUsPerRequest)} → ` : ''}${f0(after.apiProfiledUsPerRequest)} µs (V8 samples, idle excluded).`,
    '',
    ...framesTable(after.apiFrames, before?.apiFrames, 10),
    '',
    'By area (package or app folder), µs per request:',
    '',
    '| area | before | after |',
    '|---|---|---|',
    ...(before ?? after).apiAreas.slice(0, 12).map((x) => `| ${x.area} | ${before ? f1(x.usPerRequest) : '-'} | ${f1(after.apiAreas.find((y) => y.area === x.area)?.usPerRequest ?? 0)} |`),
    '',
    '## Top 10 PostgreSQL statements in the mixed journey (pg_stat_statements over the judged window)',
    '',
    ...statementsTable(after.statements, before?.statements, 10),
    '',
    '## Statements planned at most executions (custom plans), by planning time over the judged window (among the 25 with the most execution time)',
    '',
    ...replannedTable(after.statements),
    '',
    '## Worker, top frames (µs per API request)',
    '',
    ...framesTable(after.workerFrames, before?.workerFrames, 5),
    '',
  ];
  return lines.join('\n');
}

/**
 * The per-endpoint costs weighted by the mixed journey's own mix, against the API CPU the mixed
 * journey measured (reconcile.ts says what the difference is made of).
 */
function reconciliationSection(run: CostRun): string[] {
  if (!run.mixed.endpointMix?.length) return [];
  const r = reconcile({
    endpointMix: run.mixed.endpointMix,
    endpoints: run.endpoints,
    chatMessageCost: run.chat.find((c) => c.name.startsWith('chat: message')),
    chatMessagesPerS: run.mixed.chatMessagesPerS ?? 0,
    rps: run.mixed.rps,
    measuredApiUsPerRequest: apiUsPerRequest(run),
  });
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    '## The mixed journey from its parts (API CPU, µs per request)',
    '',
    `Each endpoint at its cost measured alone (above), weighted by its share of the mixed journey's requests, plus the chat messages (${f1(run.mixed.chatMessagesPerS)}/s) at their cost alone. Endpoints without a case of their own (${pct(1 - r.coveredShare)} of the requests) are counted at the average of the others; sign-ins are left out (they happen during the ramp, before the measured window).`,
    '',
    '| | µs per request |',
    '|---|---|',
    `| HTTP requests at their cost alone | ${f0(r.httpUs)} |`,
    `| chat messages at their cost alone | ${f0(r.chatUs)} |`,
    `| **predicted from the parts** | **${f0(r.predictedUs)}** |`,
    `| **measured in the mixed journey** | **${f0(r.measuredUs)}** |`,
    `| parts / measured | ${f2(r.measuredUs > 0 ? r.predictedUs / r.measuredUs : NaN)} |`,
    '',
    'The rest is what 1000 users add to the same requests: each request wakes idle processes instead of finding them busy (`npm run bench:floor`: several times the saturated cost of a request that does nothing), cache entries are refilled because the journey keeps writing and reads a long tail of articles from a cold cache, and V8 is still optimizing code during a two-minute run.',
    '',
    '| endpoint (driver) | share of requests | API CPU µs alone | µs per request it adds |',
    '|---|---|---|---|',
    ...r.rows.map((x) => `| ${cell(x.name)} | ${pct(x.share)} | ${f0(x.aloneUs)} | ${x.aloneUs === undefined ? '-' : f0(x.share * x.aloneUs)} |`),
    '',
  ];
}

/**
 * Named statements whose plan PostgreSQL does not cache: it keeps making custom plans when the
 * generic one looks dearer, so each execution pays the planner again.
 */
function replannedTable(statements: CostRun['statements']): string[] {
  const replanned = statements.filter((s) => s.plans !== undefined && s.calls > 0 && s.plans / s.calls > 0.5).sort((a, b) => (b.planMs ?? 0) - (a.planMs ?? 0));
  if (replanned.length === 0) return ['None (or a run without track_planning).'];
  return [
    '| statement | calls per request | planned share | mean plan ms | mean exec ms | plan ms total |',
    '|---|---|---|---|---|---|',
    ...replanned
      .slice(0, 10)
      .map((s) => `| \`${cell(s.query.slice(0, 140))}…\` | ${f2(s.perRequest)} | ${f2(s.plans / s.calls)} | ${f2(s.planMs / Math.max(1, s.plans))} | ${f2(s.meanMs)} | ${f0(s.planMs)} |`),
  ];
}

export function writeCostReport(run: CostRun, dir: string, asBefore: boolean): string[] {
  const beforeFile = join(dir, 'cost-per-request.before.json');
  if (asBefore) writeFileSync(beforeFile, `${JSON.stringify(run, null, 2)}\n`);
  const before = existsSync(beforeFile) ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as CostRun) : undefined;
  const json = join(dir, 'cost-per-request.json');
  const md = join(dir, 'cost-per-request.md');
  writeFileSync(json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(md, renderCostReport(run, asBefore ? undefined : before));
  return asBefore ? [beforeFile, json, md] : [json, md];
}
