import { describe, expect, it } from 'vitest';
import { queuedMs, requestStartMs } from './queue-time.js';

describe('queue time from X-Request-Start', () => {
  it('reads epoch milliseconds, microseconds and seconds with a fraction', () => {
    expect(requestStartMs('t=1764720000123')).toBe(1764720000123);
    expect(requestStartMs('t=1764720000123456')).toBeCloseTo(1764720000123.456, 3);
    expect(requestStartMs('t=1764720000.123')).toBeCloseTo(1764720000123, 3);
    expect(requestStartMs(' t=1764720000 ')).toBe(1764720000000);
  });

  it('ignores what it cannot read', () => {
    for (const bad of [undefined, '', 'yesterday', '1764720000123', 't=', 't=12', 't=abc', 't=1764720000123x', 't=17647200001234567']) expect(requestStartMs(bad), String(bad)).toBeUndefined();
    expect(requestStartMs(['t=1764720000123', 't=1764720000123'])).toBeUndefined();
  });

  it('is the wait so far, never negative, and 0 without a stamp', () => {
    expect(queuedMs('t=1000000000000', 1000000000300)).toBe(300);
    expect(queuedMs('t=1000000000500', 1000000000300)).toBe(0);
    expect(queuedMs(undefined, 1000000000300)).toBe(0);
  });
});
