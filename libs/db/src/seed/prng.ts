/**
 * mulberry32: a tiny, fast 32-bit PRNG. Same seed -> same sequence on every machine and Node
 * version (unlike Math.random), which is what makes `npm run db:seed` deterministic.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /**
   * Skewed index in [0, n): small indexes are much more likely (exponent 1 = uniform).
   * Models popularity: a few authors write a lot, a few articles collect most favorites.
   */
  skewed(n: number, exponent: number): number {
    return Math.min(n - 1, Math.floor(n * this.next() ** exponent));
  }

  /** A random permutation of 0..n-1 (Fisher-Yates), to map popularity ranks to ids. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}
