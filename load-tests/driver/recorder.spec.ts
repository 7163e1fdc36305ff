import { describe, expect, it } from 'vitest';
import { RELEASE_GATE, evaluateGate, statKey } from '../shared/thresholds.ts';
import { Recorder } from './recorder.ts';

describe('driver recorder', () => {
  it("measures every metric of the release gate under the gate's own keys", () => {
    const rec = new Recorder();
    rec.recordHttp('anonymous', 'GET /api/articles', 12, 200, true, true);
    rec.chatConnected(30);
    rec.chatDelivered(8);
    const values = rec.gateValues();
    for (const t of RELEASE_GATE) expect(values[statKey(t.metric, t.stat)], statKey(t.metric, t.stat)).toBeTypeOf('number');
    expect(evaluateGate(values).pass).toBe(true);
  });

  it('counts a refused status as a failed request and two failed checks; a bad body as one failed check only', () => {
    const rec = new Recorder();
    rec.recordHttp('reader', 'GET /api/articles/feed', 5, 429, false, false);
    rec.recordHttp('reader', 'GET /api/articles/feed', 5, 200, true, false);
    rec.recordHttp('reader', 'GET /api/articles/feed', 5, 0, false, false, 'ECONNRESET');
    expect(rec.requests).toBe(3);
    expect(rec.failed).toBe(2);
    expect(rec.checksFail).toBe(5);
    expect(rec.checksPass).toBe(1);
    expect(rec.journeys.get('reader')?.errors).toBe(3);
    expect([...rec.errorReasons.keys()].sort()).toEqual(['GET /api/articles/feed: ECONNRESET', 'GET /api/articles/feed: status 429', 'GET /api/articles/feed: unexpected body']);
    const gate = evaluateGate(rec.gateValues(), RELEASE_GATE, ['chat_delivery_ms']);
    expect(gate.results.filter((r) => !r.pass).map((r) => r.metric)).toEqual(['http_req_failed', 'checks']);
  });

  it('feeds a phase recorder (a stress level) with the same events', () => {
    const rec = new Recorder();
    rec.recordHttp('anonymous', 'GET /api/tags', 3, 200, true, true);
    rec.phase = new Recorder();
    rec.recordHttp('anonymous', 'GET /api/tags', 300, 200, true, true);
    rec.chatError('socket closed unexpectedly');
    expect(rec.requests).toBe(2);
    expect(rec.phase.requests).toBe(1);
    expect(rec.phase.http.max).toBe(300);
    expect(rec.phase.chatErrors).toBe(1);
  });

  it('builds a timeline of 5-second windows with users, rate and percentiles', () => {
    const rec = new Recorder();
    rec.setUsers(10);
    for (let i = 0; i < 50; i++) rec.recordHttp('anonymous', 'GET /api/tags', i + 1, 200, true, true);
    const [w] = rec.timeline();
    expect(w).toMatchObject({ t: 5, users: 10, rps: 10, errors: 0 });
    expect(w.p50).toBeGreaterThan(20);
    expect(w.p99).toBeLessThanOrEqual(50);
  });
});
