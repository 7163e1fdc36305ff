import { describe, expect, it } from 'vitest';
import { stagesFor, stressStages, targetAt, toK6Stages, totalDurationS } from './plan.ts';
import { accountEmail, loopbackAddress, parseDuration, parseWeights, resolveSettings } from './settings.ts';
import { Histogram } from './histogram.ts';
import { ackError, chatMessageBody, chatRoomIndex, chatRoomNames, parseChatMessageBody, roomIdsFromList } from './chat-protocol.ts';

describe('settings from the environment', () => {
  it('has defaults for 1000 users against the stack', () => {
    const s = resolveSettings({});
    expect(s).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', vus: 1000, rampUpS: 60, holdS: 300, thinkMinMs: 1000, thinkMaxMs: 3000 });
    expect(Object.values(s.weights).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('reads durations, users and weights, and rejects nonsense with the variable name', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
    expect(resolveSettings({ BASE_URL: 'http://x:1/', VUS: '50', HOLD: '2m' })).toMatchObject({ baseUrl: 'http://x:1', vus: 50, holdS: 120 });
    expect(() => resolveSettings({ VUS: 'many' })).toThrow(/VUS/);
    expect(parseWeights('chat=40').chat).toBe(40);
    expect(() => parseWeights('robots=1')).toThrow(/unknown journey/);
  });

  it('maps virtual users onto accounts and loopback source addresses round-robin', () => {
    const s = resolveSettings({ ACCOUNTS: '3', ACCOUNT_EMAIL: 'lt{n}@x.test' });
    expect([1, 2, 3, 4].map((n) => accountEmail(s, n))).toEqual(['lt1@x.test', 'lt2@x.test', 'lt3@x.test', 'lt1@x.test']);
    expect(accountEmail(resolveSettings({}), 7)).toBe('loadtest-0007@load.test');
    expect(loopbackAddress(1)).toBe('127.0.0.2');
    expect(loopbackAddress(249)).toBe('127.0.0.250');
    expect(loopbackAddress(250)).toBe('127.0.0.2');
  });
});

describe('stages', () => {
  it('load ramps, holds and ramps down; targetAt interpolates', () => {
    const st = stagesFor('load', resolveSettings({ RAMP_UP: '60s', HOLD: '120s', RAMP_DOWN: '20s' }));
    expect(toK6Stages(st)).toEqual([
      { duration: '60s', target: 1000 },
      { duration: '120s', target: 1000 },
      { duration: '20s', target: 0 },
    ]);
    expect(targetAt(st, 30)).toBe(500);
    expect(targetAt(st, 100)).toBe(1000);
    expect(targetAt(st, 190)).toBe(500);
    expect(targetAt(st, 999)).toBe(0);
    expect(totalDurationS(st)).toBe(200);
  });

  it('spike reaches full strength in the spike ramp; stress climbs in steps to the ceiling', () => {
    expect(stagesFor('spike', resolveSettings({}))[0]).toEqual({ durationS: 10, target: 1000 });
    const st = stressStages({ stressStart: 1000, stressStep: 1000, stressMax: 3000, stressStepS: 40 });
    expect(st.map((x) => x.target)).toEqual([1000, 1000, 2000, 2000, 3000, 3000, 0]);
  });
});

describe('histogram percentiles', () => {
  it('is within 2% of exact percentiles', () => {
    const h = new Histogram();
    const values = Array.from({ length: 10_000 }, (_, i) => (i + 1) / 10);
    for (const v of values) h.record(v);
    for (const q of [50, 95, 99]) {
      const exact = values[Math.ceil((q / 100) * values.length) - 1];
      expect(Math.abs(h.percentile(q)! - exact) / exact).toBeLessThan(0.02);
    }
    expect(h.percentile(100)).toBe(1000);
    expect(h.count).toBe(10_000);
    expect(new Histogram().percentile(95)).toBeUndefined();
  });

  it('merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(1);
    b.record(100);
    a.merge(b);
    expect(a.count).toBe(2);
    expect(a.max).toBe(100);
    expect(a.percentile(99)).toBe(100);
  });
});

describe('chat message bodies', () => {
  it('carry the sender and send time', () => {
    expect(parseChatMessageBody(chatMessageBody(12, 3, 1700000000000))).toEqual({ vu: 12, seq: 3, sentAtMs: 1700000000000 });
    expect(parseChatMessageBody('hello')).toBeNull();
    expect(parseChatMessageBody(42)).toBeNull();
  });

  it('reads acks and maps room names to ids', () => {
    expect(ackError([{ ok: true, message: { id: 1 } }])).toBeNull();
    expect(ackError([{ ok: false, code: 'rate_limited', errors: {} }])).toBe('rate_limited');
    expect(ackError([])).toBe('malformed ack');
    const names = chatRoomNames(2);
    expect(
      roomIdsFromList(names, {
        rooms: [
          { id: 9, name: names[1] },
          { id: 4, name: names[0] },
        ],
      }),
    ).toEqual([4, 9]);
    expect(() => roomIdsFromList(names, { rooms: [] })).toThrow(/missing/);
    expect(chatRoomIndex(1, 10)).toBe(0);
    expect(chatRoomIndex(11, 10)).toBe(0);
  });
});
