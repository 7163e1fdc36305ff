// A small log-bucket latency histogram (relative error ~1%): constant memory per series,
// mergeable, so the driver can keep one per endpoint, per journey and per 5-second window.

const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) share bucket 0. */
const MIN_VALUE = 0.01;

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(value: number): void {
    if (!Number.isFinite(value)) return;
    const v = Math.max(value, 0);
    const idx = v <= MIN_VALUE ? 0 : Math.max(1, Math.ceil(Math.log(v / MIN_VALUE) / LOG_GAMMA));
    this.buckets.set(idx, (this.buckets.get(idx) ?? 0) + 1);
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): void {
    for (const [idx, n] of other.buckets) this.buckets.set(idx, (this.buckets.get(idx) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** q in [0, 100]; undefined when empty. Nearest-rank on bucket upper bounds, clamped to the exact min/max. */
  percentile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil((q / 100) * this.count));
    const sorted = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const idx of sorted) {
      seen += this.buckets.get(idx)!;
      if (seen >= rank) {
        const upper = idx === 0 ? MIN_VALUE : MIN_VALUE * GAMMA ** idx;
        return Math.min(Math.max(upper, this.min), this.max);
      }
    }
    return this.max;
  }

  mean(): number | undefined {
    return this.count ? this.sum / this.count : undefined;
  }
}
