import { describe, expect, it } from 'vitest';
import { LoginPacer, isReturning } from './sign-in-policy.ts';

describe('sign-in policy', () => {
  it('paces sign-ins: turn n starts n / rate seconds after the first, however many ask at once', () => {
    let now = 1_000;
    const pacer = new LoginPacer(10, () => now);
    const waits = Array.from({ length: 5 }, () => pacer.reserve());
    expect(waits).toEqual([0, 100, 200, 300, 400]);
    now = 3_000; // idle for a while: no burst is saved up
    expect([pacer.reserve(), pacer.reserve()]).toEqual([0, 100]);
  });

  it('marks the returning share of users evenly and deterministically', () => {
    const returning = Array.from({ length: 1000 }, (_, i) => isReturning(i + 1, 0.9)).filter(Boolean).length;
    expect(returning).toBe(900);
    expect(Array.from({ length: 10 }, (_, i) => isReturning(i + 1, 0.9))).toEqual([false, true, true, true, true, true, true, true, true, true]);
    expect(Array.from({ length: 10 }, (_, i) => isReturning(i + 1, 0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 10 }, (_, i) => isReturning(i + 1, 1)).every(Boolean)).toBe(true);
  });
});
