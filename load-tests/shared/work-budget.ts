// The work budget per request: what one request of the 1000-user mixed journey may cost the stack,
// counted rather than timed. CPU time per request moves with the machine (the same code measured
// 0.50-1.21 core on different 2-core boxes), so it is reported, not judged (STACK_CPU_BUDGET_PCT).
// Counts move only when the code's shape does: an N+1 query, a cache that stopped serving, a
// script that grew a loop. So they are release-gate thresholds, on every machine.

import { evaluateGate, type Threshold, type ThresholdResult } from './thresholds.ts';

/** The stack's counted work over the stretch at full strength, per request the generator made. */
export interface WorkPerRequest {
  /** The generator's requests and the seconds between the two readings. */
  requests: number;
  seconds: number;
  /** Queries the API instances sent to PostgreSQL (round trips; BEGIN and COMMIT count), by SQL verb. */
  dbQueries: number;
  dbByOperation: Array<{ operation: string; perRequest: number }>;
  /** Commands the stack's Redis servers executed (commands inside Lua scripts count), by server. */
  redisCommands?: number;
  redisByServer?: Array<{ name: string; perRequest: number }>;
}

/**
 * Limits for the mixed journey at full strength. Measured in the release gate: about 1.0 database
 * queries and 5.6 Redis commands per request (README, "Cost per request"). The limits leave room
 * for the spread between runs (the read cache's computations moved between 42 and 48 per 100
 * requests) and not for a change that multiplies either: an N+1 query in the list page's fill
 * alone adds more than two queries per request, and one in a signed-in reader's flags about one.
 */
export const WORK_BUDGET: readonly Threshold[] = [
  { metric: 'db_queries_per_request', stat: 'avg', op: '<', limit: 1.5, label: 'Database queries per request (< 1.5)', unit: 'count' },
  { metric: 'redis_commands_per_request', stat: 'avg', op: '<', limit: 8, label: 'Redis commands per request (< 8)', unit: 'count' },
];

/** The measured values in evaluateGate's form (statKey), undefined where nothing was read. */
export function workBudgetValues(w: WorkPerRequest | undefined): Record<string, number | undefined> {
  return { 'db_queries_per_request:avg': w?.dbQueries, 'redis_commands_per_request:avg': w?.redisCommands };
}

/**
 * The budget's verdict for one run: undefined when the run is not one the budget is for. Redis is
 * judged only where its servers were named: a row reading "PASS, no data" would claim what was not
 * measured. Anything else not read is "no data", which fails.
 */
export function judgeWork(work: WorkPerRequest | undefined, run: { judged: boolean; redisNamed: boolean }): { pass: boolean; results: ThresholdResult[] } | undefined {
  if (!run.judged) return undefined;
  return evaluateGate(
    workBudgetValues(work),
    WORK_BUDGET.filter((t) => run.redisNamed || t.metric !== 'redis_commands_per_request'),
  );
}

const per = (v: number) => v.toFixed(v < 10 ? 2 : 1);

/** One line: the counts per request and their parts. */
export function formatWork(w: WorkPerRequest): string[] {
  const ops = w.dbByOperation.filter((o) => o.perRequest >= 0.005).map((o) => `${o.operation} ${per(o.perRequest)}`);
  const redis = w.redisCommands === undefined ? 'Redis not read' : `${per(w.redisCommands)} Redis commands (${(w.redisByServer ?? []).map((r) => `${r.name} ${per(r.perRequest)}`).join(', ')})`;
  return [`work per request at full strength (${w.seconds.toFixed(0)} s, ${w.requests} requests): ${per(w.dbQueries)} database queries (${ops.join(', ')}), ${redis}`];
}
