/** One entry of the in-process layer. */
export interface LocalEntry<V> {
  value: V;
  expiresAt: number;
  tags: readonly string[];
  /** Local generation of each tag when stored; a local invalidation bumps the generation. */
  generations: readonly number[];
}

/**
 * Small in-process layer in front of Redis (pattern: two-level cache).
 * Protects against: a Redis round trip (and a JSON copy) on every hit of the hottest keys; an
 * in-process hit costs almost nothing. Bounded in entries (oldest inserted evicted first) and in
 * time (short TTL: the bound on how long another instance's write can stay invisible here).
 * Invalidations made by this instance drop matching entries at once through per-tag generations.
 * An expired entry is kept for `staleGraceMs` more (still bounded in entries): `getStale` serves it
 * to a caller that prefers an answer a little older to none (an instance shedding load), unless a
 * local invalidation has dropped it.
 * Tested in libs/cache/src/local-layer.spec.ts.
 */
export class LocalLayer<V> {
  private readonly entries = new Map<string, LocalEntry<V>>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly staleGraceMs = 0,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (entry.expiresAt > now && this.current(entry)) return entry.value;
    if (!this.current(entry) || entry.expiresAt + this.staleGraceMs <= now) this.entries.delete(key);
    return undefined;
  }

  /**
   * The value if fresh, or expired by less than `staleGraceMs`; never one a local invalidation
   * has dropped (a write made here is always seen here).
   */
  getStale(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.current(entry) && entry.expiresAt + this.staleGraceMs > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * The stored value even if expired or locally invalidated: only for callers that confirm it
   * against the authoritative version in Redis before using it.
   */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** A snapshot of the tags' generations, taken BEFORE computing a value (see set). */
  snapshot(tags: readonly string[]): number[] {
    return tags.map((tag) => this.generations.get(tag) ?? 0);
  }

  /**
   * Stores a value computed after `snapshot` was taken: if a local invalidation happened in
   * between, the value may predate the write and is dropped on the next get.
   */
  set(key: string, value: V, tags: readonly string[], generations: readonly number[]): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs, tags, generations });
  }

  invalidate(tags: readonly string[]): void {
    for (const tag of tags) this.generations.set(tag, (this.generations.get(tag) ?? 0) + 1);
  }

  clear(): void {
    this.entries.clear();
  }

  private current(entry: LocalEntry<V>): boolean {
    for (let i = 0; i < entry.tags.length; i++) {
      if ((this.generations.get(entry.tags[i]) ?? 0) !== entry.generations[i]) return false;
    }
    return true;
  }
}
