// k6's end-of-test data -> the shared summary (as handleSummary does), without a k6 binary.
import { describe, expect, it, vi } from 'vitest';

vi.mock('k6', () => ({
  check: () => true,
  sleep: () => {},
  fail: (m: string) => {
    throw new Error(m);
  },
}));
vi.mock('k6/http', () => ({ default: { expectedStatuses: () => ({}), request: () => ({}) } }));
vi.mock('k6/data', () => ({ SharedArray: class {} }));
vi.mock('k6/ws', () => ({ default: { connect: () => ({}) } }));
vi.mock('k6/execution', () => ({ default: { vu: { idInTest: 1 } } }));
vi.mock('k6/metrics', () => ({
  Trend: class {
    add() {}
  },
  Counter: class {
    add() {}
  },
}));
(globalThis as { __ENV?: Record<string, string> }).__ENV = { MACHINE: '2 cores', REPORT_DIR: 'out' };

const { summaryOutputs, toRunSummary } = await import('./summary.ts');

const trend = (p95: number, p99: number) => ({ type: 'trend', values: { count: 1000, avg: 20, min: 1, med: 10, max: 900, 'p(90)': p95 * 0.8, 'p(95)': p95, 'p(99)': p99 } });
const data = (over: Record<string, unknown> = {}) => ({
  state: { testRunDurationMs: 420_000 },
  metrics: {
    http_reqs: { type: 'counter', values: { count: 200_000, rate: 476 } },
    http_req_failed: { type: 'rate', values: { rate: 0.0001, passes: 20, fails: 199_980 } },
    http_req_duration: trend(40, 120),
    checks: { type: 'rate', values: { rate: 0.9999, passes: 399_960, fails: 40 } },
    chat_delivery_ms: trend(15, 30),
    chat_connect_ms: trend(50, 80),
    vus_max: { type: 'gauge', values: { value: 1000, min: 1000, max: 1000 } },
    'http_req_duration{journey:reader}': trend(60, 150),
    'http_reqs{journey:reader}': { type: 'counter', values: { count: 70_000 } },
    'journey_errors{journey:reader}': { type: 'counter', values: { count: 3 } },
    'iterations{journey:reader}': { type: 'counter', values: { count: 9000 } },
    ...over,
  },
});

describe('k6 handleSummary', () => {
  it('maps k6 metrics onto the shared summary and evaluates the same gate', () => {
    const s = toRunSummary('load', data() as never);
    expect(s).toMatchObject({ tool: 'k6', testType: 'load', machine: '2 cores', users: { max: 1000 }, passed: true });
    expect(s.http).toMatchObject({ requests: 200_000, failedRate: 0.0001, failed: 20 });
    expect(s.http.latency).toMatchObject({ p50: 10, p95: 40, p99: 120 });
    expect(s.chat.deliveryMs?.p95).toBe(15);
    expect(s.journeys.find((j) => j.journey === 'reader')).toMatchObject({ requests: 70_000, errors: 3, iterations: 9000, p95: 60 });
    expect(s.thresholds.map((t) => [t.expression, t.pass])).toEqual([
      ['rate<0.001', true],
      ['p(95)<200', true],
      ['p(99)<500', true],
      ['p(95)<200', true],
      ['rate>0.999', true],
    ]);
  });

  it('fails the run when chat delivery has no samples or a limit is breached', () => {
    expect(toRunSummary('load', data({ chat_delivery_ms: undefined }) as never).passed).toBe(false);
    const slow = toRunSummary('load', data({ http_req_duration: trend(250, 400) }) as never);
    expect(slow.thresholds.filter((t) => !t.pass).map((t) => t.expression)).toEqual(['p(95)<200']);
  });

  it('writes the text summary, the JSON summary and the HTML report', () => {
    const out = summaryOutputs('spike', data() as never);
    expect(Object.keys(out).sort()).toEqual(['out/k6-spike-report.html', 'out/k6-spike-summary.json', 'stdout']);
    expect(JSON.parse(out['out/k6-spike-summary.json']).testType).toBe('spike');
    // k6's summary has totals only: the report says where charts over time come from instead.
    expect(out['out/k6-spike-report.html']).toContain('K6_WEB_DASHBOARD=true');
    expect(out['out/k6-spike-report.html']).toContain('http_req_duration p(99)&lt;500');
    expect(out.stdout).toContain('RESULT: PASS');
  });
});
