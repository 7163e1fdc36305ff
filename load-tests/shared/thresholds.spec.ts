import { describe, expect, it } from 'vitest';
import { evaluateGate, RELEASE_GATE, statKey, toK6Thresholds } from './thresholds.ts';

const good = {
  [statKey('http_req_failed', 'rate')]: 0.0002,
  [statKey('http_req_duration', 'p(95)')]: 35,
  [statKey('http_req_duration', 'p(99)')]: 120,
  [statKey('chat_delivery_ms', 'p(95)')]: 12,
  [statKey('checks', 'rate')]: 0.9999,
};

describe('release gate', () => {
  it("states the issue's thresholds as k6 expressions", () => {
    expect(toK6Thresholds()).toEqual({
      http_req_failed: ['rate<0.001'],
      http_req_duration: ['p(95)<200', 'p(99)<500'],
      chat_delivery_ms: ['p(95)<200'],
      checks: ['rate>0.999'],
    });
    expect(toK6Thresholds(RELEASE_GATE, { abortOnFail: true, delayAbortEval: '30s' }).checks).toEqual([{ threshold: 'rate>0.999', abortOnFail: true, delayAbortEval: '30s' }]);
  });

  it('passes when every value is inside its limit', () => {
    const r = evaluateGate(good);
    expect(r.pass).toBe(true);
    expect(r.results).toHaveLength(5);
  });

  it.each([
    ['http_req_failed', 'rate', 0.001],
    ['http_req_duration', 'p(95)', 200],
    ['http_req_duration', 'p(99)', 500.1],
    ['chat_delivery_ms', 'p(95)', 250],
    ['checks', 'rate', 0.999],
  ] as const)('fails when %s %s reaches %s (limits are strict)', (metric, stat, value) => {
    const r = evaluateGate({ ...good, [statKey(metric, stat)]: value });
    expect(r.pass).toBe(false);
    expect(r.results.filter((x) => !x.pass).map((x) => `${x.metric}:${x.stat}`)).toEqual([`${metric}:${stat}`]);
  });

  it('fails on missing data unless the metric is not expected in this run', () => {
    const { [statKey('chat_delivery_ms', 'p(95)')]: _chat, ...noChat } = good;
    expect(evaluateGate(noChat).pass).toBe(false);
    expect(evaluateGate(noChat).results.find((r) => r.metric === 'chat_delivery_ms')?.actual).toBeUndefined();
    expect(evaluateGate(noChat, RELEASE_GATE, ['chat_delivery_ms']).pass).toBe(true);
  });
});
