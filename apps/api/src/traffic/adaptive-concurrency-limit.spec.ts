import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrencyLimit } from './adaptive-concurrency-limit.js';

/** Feeds one window of `n` requests of `latencyMs`, each with `inFlight` in flight, and updates. */
function window(limit: AdaptiveConcurrencyLimit, latencyMs: number, inFlight: number, n = 20): number {
  for (let i = 0; i < n; i++) limit.addSample(latencyMs, inFlight);
  return limit.update();
}

const options = { initialLimit: 40, minLimit: 20, maxLimit: 500, maxLatencyMs: 250 };

describe('AdaptiveConcurrencyLimit', () => {
  it('grows while latency stays at its usual level and the limit is being used', () => {
    const limit = new AdaptiveConcurrencyLimit(options);
    let value = limit.limit;
    for (let i = 0; i < 20; i++) value = window(limit, 5, value);
    expect(value).toBeGreaterThan(60);
  });

  it('does not grow when the instance is not using its limit (app-limited)', () => {
    const limit = new AdaptiveConcurrencyLimit(options);
    for (let i = 0; i < 50; i++) window(limit, 5, 3);
    expect(limit.limit).toBe(40);
  });

  it('shrinks towards the minimum when requests start queueing (latency far above its usual level)', () => {
    const limit = new AdaptiveConcurrencyLimit({ ...options, initialLimit: 200 });
    for (let i = 0; i < 10; i++) window(limit, 5, 200);
    const before = limit.limit;
    for (let i = 0; i < 10; i++) window(limit, 60, limit.limit);
    expect(limit.limit).toBeLessThan(before / 2);
    expect(limit.limit).toBeGreaterThanOrEqual(20);
  });

  it('does not shrink below the latency floor (a busy neighbour doubling 5 ms is not queueing)', () => {
    const limit = new AdaptiveConcurrencyLimit({ ...options, initialLimit: 100, minLatencyMs: 100 });
    for (let i = 0; i < 10; i++) window(limit, 5, 100);
    const before = limit.limit;
    for (let i = 0; i < 20; i++) window(limit, 40, limit.limit);
    expect(limit.limit).toBeGreaterThanOrEqual(before);
    for (let i = 0; i < 20; i++) window(limit, 400, limit.limit);
    expect(limit.limit).toBeLessThan(before / 2);
  });

  it('shrinks under a sustained overload even after the long-term average has followed latency up', () => {
    const limit = new AdaptiveConcurrencyLimit({ ...options, initialLimit: 300 });
    // Latency grows with the limit (a saturated process): 2 ms per request in flight.
    for (let i = 0; i < 400; i++) window(limit, limit.limit * 2, limit.limit);
    // The absolute ceiling holds: mean latency of an admitted request stays around maxLatencyMs or below.
    expect(limit.limit * 2).toBeLessThanOrEqual(300);
    expect(limit.limit).toBeGreaterThanOrEqual(20);
  });

  it('recovers after the overload ends', () => {
    const limit = new AdaptiveConcurrencyLimit(options);
    for (let i = 0; i < 40; i++) window(limit, 400, limit.limit);
    expect(limit.limit).toBe(20);
    for (let i = 0; i < 40; i++) window(limit, 5, limit.limit);
    expect(limit.limit).toBeGreaterThan(40);
    expect(limit.baselineMs).toBeLessThan(50);
  });

  it('climbs back from the floor within seconds once latency is normal again (a transient must not shed for long)', () => {
    const limit = new AdaptiveConcurrencyLimit({ ...options, minLimit: 10, initialLimit: 100 });
    for (let i = 0; i < 10; i++) window(limit, 5, limit.limit);
    for (let i = 0; i < 100; i++) window(limit, 1_000, limit.limit);
    expect(limit.limit).toBe(10);
    // 24 windows: 6 s in the load shedder. (Growing by sqrt(limit) smoothed, as shrinking is, it
    // was still below 40 after 30 windows.)
    for (let i = 0; i < 24; i++) window(limit, 5, limit.limit);
    expect(limit.limit).toBeGreaterThanOrEqual(90);
  });

  it('ignores windows with too few samples and stays within its bounds', () => {
    const limit = new AdaptiveConcurrencyLimit({ ...options, maxLimit: 45 });
    expect(window(limit, 1_000, 40, 2)).toBe(40);
    for (let i = 0; i < 50; i++) window(limit, 1, limit.limit);
    expect(limit.limit).toBe(45);
  });
});
