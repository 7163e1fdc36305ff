import { describe, expect, it } from 'vitest';
import { jitteredTtl } from './jitter.js';

describe('jitteredTtl', () => {
  it('stays within [ttl*(1-ratio), ttl] and spreads values', () => {
    const values = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const ttl = jitteredTtl(60_000, 0.2);
      expect(ttl).toBeGreaterThanOrEqual(48_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      values.add(ttl);
    }
    expect(values.size).toBeGreaterThan(100);
  });

  it('uses the random source at both ends', () => {
    expect(jitteredTtl(1_000, 0.5, () => 0)).toBe(1_000);
    expect(jitteredTtl(1_000, 0.5, () => 1)).toBe(500);
    expect(jitteredTtl(1_000, 0, () => 1)).toBe(1_000);
  });
});
