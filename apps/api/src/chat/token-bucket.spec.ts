import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false); // 0.998 tokens
    expect(bucket.take(500)).toBe(true); // one token after 0.5 s at 2/s
    expect(bucket.take(500)).toBe(false);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(100, 2, 0);
    const results = [bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)];
    expect(results).toEqual([true, true, false]);
  });
});
