// The release gate, stated once. The k6 scripts turn it into k6 `thresholds` (toK6Thresholds);
// the Node driver evaluates the same list against its own measurements (evaluateGate).
// Changing a number here changes both: they cannot drift.

export type ThresholdStat = 'rate' | 'p(50)' | 'p(95)' | 'p(99)' | 'avg' | 'max' | 'count';

export interface Threshold {
  /** k6 metric name (built-in or one of ours in metric-names.ts). */
  metric: string;
  stat: ThresholdStat;
  op: '<' | '>';
  limit: number;
  /** Plain words for the report. */
  label: string;
  /** What the value is: milliseconds or a share (by stat) unless it is a count. */
  unit?: 'count';
}

export const RELEASE_GATE: readonly Threshold[] = [
  { metric: 'http_req_failed', stat: 'rate', op: '<', limit: 0.001, label: 'HTTP requests failed (< 0.1%)' },
  { metric: 'http_req_duration', stat: 'p(95)', op: '<', limit: 200, label: 'HTTP latency p95 (< 200 ms)' },
  { metric: 'http_req_duration', stat: 'p(99)', op: '<', limit: 500, label: 'HTTP latency p99 (< 500 ms)' },
  { metric: 'chat_delivery_ms', stat: 'p(95)', op: '<', limit: 200, label: 'Chat delivery p95 (< 200 ms)' },
  { metric: 'checks', stat: 'rate', op: '>', limit: 0.999, label: 'Checks passed (> 99.9%)' },
];

/**
 * The stack's CPU budget at full strength (100 = one core): half a core for the 1000-user mixed
 * journey on a 2-core box, so that one box keeps a core and a half of headroom. Reported in every
 * driver summary (stackCpu), not a gate threshold: the same code measured 0.50-0.85 core on
 * different 2-core boxes of one day, so it is a figure to watch per box, not a pass/fail that
 * would flip with the machine.
 */
export const STACK_CPU_BUDGET_PCT = 50;
/** The load the budget is for: the full-strength verdict is printed only for runs at this many users. */
export const STACK_CPU_BUDGET_USERS = 1000;

/** `rate<0.001`: the expression k6 understands. */
export function thresholdExpression(t: Threshold): string {
  return `${t.stat}${t.op}${t.limit}`;
}

/** The gate as k6 `options.thresholds`. `abortOnFail` is for the stress test (stop at the first breach). */
export function toK6Thresholds(
  gate: readonly Threshold[] = RELEASE_GATE,
  opts: { abortOnFail?: boolean; delayAbortEval?: string } = {},
): Record<string, Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string }>> {
  const out: Record<string, Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string }>> = {};
  for (const t of gate) {
    const expr = thresholdExpression(t);
    const entry = opts.abortOnFail ? { threshold: expr, abortOnFail: true, ...(opts.delayAbortEval ? { delayAbortEval: opts.delayAbortEval } : {}) } : expr;
    (out[t.metric] ??= []).push(entry);
  }
  return out;
}

export interface ThresholdResult {
  metric: string;
  stat: ThresholdStat;
  expression: string;
  label: string;
  limit: number;
  /** undefined when the metric has no samples. */
  actual: number | undefined;
  pass: boolean;
  unit?: 'count';
}

/** A threshold's measured value for the reports: a share, milliseconds or a count. */
export function formatThresholdActual(r: Pick<ThresholdResult, 'actual' | 'stat' | 'unit'>): string {
  if (r.actual === undefined) return 'no data';
  if (r.unit === 'count') return r.actual.toFixed(2);
  if (r.stat === 'rate') return `${(r.actual * 100).toFixed(3)}%`;
  return `${r.actual.toFixed(r.actual < 10 ? 1 : 0)} ms`;
}

/** Key under which measured values are looked up: `http_req_duration:p(95)`. */
export function statKey(metric: string, stat: ThresholdStat): string {
  return `${metric}:${stat}`;
}

/**
 * Evaluates the gate against measured values (keyed by statKey). A metric without samples
 * fails unless it is listed in `notExpected` (e.g. chat in a run without chat users): a gate
 * that silently passes on missing data would prove nothing.
 */
export function evaluateGate(
  values: Record<string, number | undefined>,
  gate: readonly Threshold[] = RELEASE_GATE,
  notExpected: readonly string[] = [],
): { pass: boolean; results: ThresholdResult[] } {
  const results = gate.map((t): ThresholdResult => {
    const actual = values[statKey(t.metric, t.stat)];
    let pass: boolean;
    if (actual === undefined || Number.isNaN(actual)) pass = notExpected.includes(t.metric);
    else pass = t.op === '<' ? actual < t.limit : actual > t.limit;
    return { metric: t.metric, stat: t.stat, expression: thresholdExpression(t), label: t.label, limit: t.limit, actual, pass, ...(t.unit ? { unit: t.unit } : {}) };
  });
  return { pass: results.every((r) => r.pass), results };
}
