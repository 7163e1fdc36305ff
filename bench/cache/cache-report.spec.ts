import { describe, expect, it } from 'vitest';
import { combineRounds, median, type Result } from './cache-report.js';

const NAMES = ['ceiling', 'list, anonymous, cached', 'article, anonymous, cached', 'list, signed in, cached', 'list, anonymous, uncached', 'article, anonymous, uncached'];

/** One round with req/s per scenario, in NAMES order; CPU per request = 1e6 / req/s. */
function round(rps: number[]): Result[] {
  return NAMES.map((name, i) => ({ name, path: `/${i}`, requestsPerSec: rps[i], serverCpuUsPerRequest: Math.round(1e6 / rps[i]), p50Ms: 1, p99Ms: 2, non2xx: 0, errors: 0 }));
}

describe('combineRounds', () => {
  it('takes each ratio within a round, then the median over rounds', () => {
    // Round 2 ran on a box twice as slow: raw req/s halve, ratios do not.
    const { results, targets } = combineRounds([
      round([40_000, 20_000, 16_000, 10_000, 2_000, 4_000]),
      round([20_000, 10_000, 8_000, 5_000, 1_000, 2_000]),
      round([40_000, 12_000, 16_000, 8_000, 2_000, 4_000]),
    ]);
    const by = (name: string) => results.find((r) => r.name === name)!;
    expect(by('list, anonymous, cached').ratioOfCeiling).toBe(0.5);
    expect(by('list, anonymous, cached').perRound).toEqual([20_000, 10_000, 12_000]);
    expect(by('list, anonymous, cached').requestsPerSec).toBe(12_000);
    expect(targets.map((t) => [t.value, t.pass])).toEqual([
      [0.5, true], // list / ceiling: 0.5, 0.5, 0.3
      [10, true], // list / uncached list: 10, 10, 6
      [4, false], // article / uncached article: 4, 4, 4
      [0.25, true], // signed-in list / ceiling: 0.25, 0.25, 0.2
    ]);
    expect(targets[2].bound).toBe(10); // ceiling / uncached article in every round
    expect(targets[0].perRound).toEqual([0.5, 0.5, 0.3]);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});
