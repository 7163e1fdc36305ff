// handleSummary: k6's end-of-test data -> the shared RunSummary -> text, JSON and HTML,
// the same files the Node driver writes.
import { JOURNEYS } from '../../shared/journeys.ts';
import { renderHtmlReport } from '../../shared/report-html.ts';
import { formatTextSummary, type LatencyStats, type RunSummary } from '../../shared/summary.ts';
import { evaluateGate, statKey, RELEASE_GATE } from '../../shared/thresholds.ts';
import { settings } from './vu.ts';

interface K6Metric {
  type: string;
  values: Record<string, number>;
}
export interface K6SummaryData {
  metrics: Record<string, K6Metric | undefined>;
  state: { testRunDurationMs: number };
}

function trend(m: K6Metric | undefined): LatencyStats | null {
  const v = m?.values;
  if (!v || v.max === undefined) return null;
  return { count: v.count ?? 0, avg: v.avg, min: v.min, p50: v.med, p90: v['p(90)'], p95: v['p(95)'], p99: v['p(99)'], max: v.max };
}

export function toRunSummary(testType: string, data: K6SummaryData): RunSummary {
  const m = data.metrics;
  const value = (name: string, key: string) => m[name]?.values?.[key];
  const latency = trend(m.http_req_duration);
  const delivery = trend(m.chat_delivery_ms);
  const values: Record<string, number | undefined> = {};
  for (const t of RELEASE_GATE) {
    const key = t.stat === 'p(50)' ? 'med' : t.stat;
    values[statKey(t.metric, t.stat)] = value(t.metric, key);
  }
  const gate = evaluateGate(values, RELEASE_GATE, settings.weights.chat > 0 ? [] : ['chat_delivery_ms']);
  const requests = value('http_reqs', 'count') ?? 0;
  const failedRate = value('http_req_failed', 'rate') ?? 0;
  const durationS = data.state.testRunDurationMs / 1000;
  return {
    tool: 'k6',
    testType,
    startedAt: new Date(Date.now() - data.state.testRunDurationMs).toISOString(),
    durationS,
    baseUrl: settings.baseUrl,
    machine: __ENV.MACHINE || 'not recorded (set MACHINE="2 cores, ...")',
    users: { max: value('vus_max', 'max') ?? value('vus_max', 'value') ?? 0 },
    http: { requests, failed: Math.round(requests * failedRate), failedRate, rps: value('http_reqs', 'rate') ?? 0, latency },
    checks: { passes: value('checks', 'passes') ?? 0, fails: value('checks', 'fails') ?? 0, rate: value('checks', 'rate') ?? 0 },
    chat: {
      users: 0,
      connects: value('chat_connect_ms', 'count') ?? 0,
      connectFailures: value('journey_errors{journey:chat}', 'count') ?? 0,
      connectMs: trend(m.chat_connect_ms),
      sent: value('chat_messages_sent', 'count') ?? 0,
      received: value('chat_messages_received', 'count') ?? 0,
      deliveryMs: delivery,
    },
    journeys: JOURNEYS.map((j) => {
      const lat = trend(m[`http_req_duration{journey:${j.name}}`]);
      return {
        journey: j.name,
        label: j.label,
        users: 0,
        iterations: value(`iterations{journey:${j.name}}`, 'count') ?? 0,
        requests: value(`http_reqs{journey:${j.name}}`, 'count') ?? 0,
        errors: value(`journey_errors{journey:${j.name}}`, 'count') ?? 0,
        p50: lat?.p50,
        p95: lat?.p95,
        p99: lat?.p99,
      };
    }),
    endpoints: [],
    thresholds: gate.results,
    passed: gate.pass,
    timeline: [],
    resources: [],
    notes: ["k6 run: per-journey user counts and CPU per process are not in k6's summary; use the Node driver or K6_WEB_DASHBOARD for time series."],
  };
}

/** Returns k6's handleSummary map: stdout text plus JSON and HTML files under REPORT_DIR. */
export function summaryOutputs(testType: string, data: K6SummaryData): Record<string, string> {
  const summary = toRunSummary(testType, data);
  const dir = (__ENV.REPORT_DIR || 'load-tests/reports').replace(/\/+$/, '');
  return {
    stdout: formatTextSummary(summary),
    [`${dir}/k6-${testType}-summary.json`]: JSON.stringify(summary, null, 2),
    [`${dir}/k6-${testType}-report.html`]: renderHtmlReport(summary),
  };
}
