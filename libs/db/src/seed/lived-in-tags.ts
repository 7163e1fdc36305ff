import type { Prng } from './prng.js';

/**
 * How a tag's popularity moves over the life of the site (the "lived-in" seed profile):
 * - evergreen: Zipf weight by rank, the same all along;
 * - fading: popular in the first third of the history, then ~500x rarer (buried under years of
 *   newer articles: the case that made tag pages walk the whole table);
 * - wave: popular during one middle window only;
 * - hot: born in the last twentieth of the history (the newest months), heavily used since;
 * - empty: every article that carried it was deleted: the tag row is left, no article has it.
 */
export type TagLife = 'evergreen' | 'fading' | 'wave' | 'hot' | 'empty';

/** Deterministic by rank, so any scale has every kind (rank 0 is the most popular tag). */
export function tagLife(rank: number): TagLife {
  if (rank % 20 === 7) return 'empty';
  if (rank % 20 === 3) return 'hot';
  if (rank % 5 === 1) return 'fading';
  if (rank % 10 === 4) return 'wave';
  return 'evergreen';
}

/** Weight of tag `rank` at `era` (0 .. eras-1, oldest first): Zipf by rank times its life curve. */
function weight(rank: number, era: number, eras: number): number {
  const zipf = 1 / (rank + 1) ** 1.1;
  const at = era / eras;
  switch (tagLife(rank)) {
    case 'empty':
      return 0;
    case 'fading':
      return at < 1 / 3 ? zipf * 4 : zipf * 0.002;
    case 'wave': {
      const start = 0.3 + ((rank * 7) % 40) / 100;
      return at >= start && at < start + 0.15 ? zipf * 6 : zipf * 0.05;
    }
    case 'hot':
      return at >= 0.95 ? zipf * 40 : 0;
    default:
      return zipf;
  }
}

/** Draws tags for an article written at a given era: one cumulative table per era, binary search. */
export class TagSampler {
  private readonly cumulative: Float64Array[] = [];

  constructor(
    private readonly tags: number,
    readonly eras: number,
  ) {
    for (let e = 0; e < eras; e++) {
      const c = new Float64Array(tags);
      let sum = 0;
      for (let r = 0; r < tags; r++) c[r] = sum += weight(r, e, eras);
      this.cumulative.push(c);
    }
  }

  /** A tag rank (0-based) drawn for era `era`. */
  draw(rng: Prng, era: number): number {
    const c = this.cumulative[era];
    const x = rng.next() * c[this.tags - 1];
    let lo = 0;
    let hi = this.tags - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
