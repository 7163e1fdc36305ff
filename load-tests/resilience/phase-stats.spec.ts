import { describe, expect, it } from 'vitest';
import { PhaseClock, figuresFor, percentile, type Sample } from './phase-stats.ts';

describe('phase figures', () => {
  it('assigns each request to the phase in which it was sent, and counts by method and status', () => {
    const clock = new PhaseClock();
    clock.marks.push(['before', 0], ['during', 100], ['after', 200], ['after', 300]);
    const s = (at: number, method: string, status: number, ms: number, error?: string): Sample => ({ at, method, endpoint: `${method} /x`, status, ms, error });
    const samples = [s(10, 'GET', 200, 5), s(90, 'GET', 200, 50), s(100, 'POST', 503, 20), s(150, 'GET', 0, 30, 'ECONNREFUSED'), s(199, 'POST', 500, 40), s(250, 'GET', 200, 1)];
    const before = figuresFor(samples, clock, 'before');
    const during = figuresFor(samples, clock, 'during');
    const after = figuresFor(samples, clock, 'after');
    expect(before.requests).toBe(2); // the one sent at 90 and answered at 140 is still "before"
    expect(during.byMethodStatus).toEqual({ 'POST 503': 1, 'GET ERR': 1, 'POST 500': 1 });
    expect(during.connectionErrors).toBe(1);
    expect(during.errorKinds).toEqual({ ECONNREFUSED: 1 });
    expect(during.status5xx).toBe(2);
    expect(during.status500).toBe(1);
    expect(during.max).toBe(40);
    expect(after.requests).toBe(1);
    expect(after.durationS).toBeCloseTo(0.1);
  });

  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([], 50)).toBeUndefined();
  });
});
