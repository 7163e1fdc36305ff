/** The global count and the time left in its window; resetInMs -1: the same window as the last sync (not re-read). */
export type SyncResult = readonly [count: number, resetInMs: number] | 'unavailable';

interface WindowState {
  /** Global count (all instances) at the last sync; 0 before the first one. */
  known: number;
  /** Hits counted here since the last sync. */
  pending: number;
  /** Hits sent with the sync in flight, not yet in `known`. */
  inFlight: number;
  resetAt: number;
  lastSyncAt: number;
  syncing: Promise<SyncResult> | null;
  /** The last sync failed: decisions report 'unavailable' until one succeeds. */
  unavailable: boolean;
}

export interface BatchedWindowOptions {
  syncEvery: number;
  syncMs: number;
  maxKeys?: number;
}

/**
 * Per-instance batching in front of the shared Redis window (pattern: local aggregation).
 * Protects against: the general rate limit costing a Redis round trip on every request (measured
 * at ~25% of the CPU of a cached read). The first hit of a window and every `syncEvery` hits wait
 * for a sync (so small limits stay exact); all other hits are decided from the last global count
 * plus this instance's unsent hits, and the unsent counts of every key are sent together in the
 * background every `syncMs` (one round trip for all keys: `syncBatch`). With users
 * making a request every second or two, that is ~2 round trips per second per instance instead
 * of one per request. Price: a client may exceed the limit by up to `syncEvery` hits (or
 * `syncMs` of traffic) per instance per window. Used only for the general limit; login and
 * registration count every attempt in Redis.
 * Tested in apps/api/src/traffic/batched-window.spec.ts; cost in `npm run bench:cost`.
 */
export class BatchedWindow {
  private readonly windows = new Map<string, WindowState>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly syncBatch: (items: Array<{ key: string; amount: number }>) => Promise<SyncResult[]>;

  constructor(
    private readonly sync: (key: string, amount: number) => Promise<SyncResult>,
    private readonly options: BatchedWindowOptions,
    private readonly now: () => number = Date.now,
    syncBatch?: (items: Array<{ key: string; amount: number }>) => Promise<SyncResult[]>,
  ) {
    this.syncBatch = syncBatch ?? ((items) => Promise.all(items.map((i) => this.sync(i.key, i.amount))));
  }

  /** Counts one hit; returns the count to compare with the limit, or 'unavailable' if Redis failed. */
  async hit(key: string): Promise<{ count: number; resetInMs: number } | 'unavailable'> {
    const now = this.now();
    let state = this.windows.get(key);
    if (!state || (state.resetAt > 0 && now >= state.resetAt)) {
      if (state) this.windows.delete(key);
      if (this.windows.size >= (this.options.maxKeys ?? 50_000)) this.sweep(now);
      state = { known: 0, pending: 0, inFlight: 0, resetAt: 0, lastSyncAt: 0, syncing: null, unavailable: false };
      this.windows.set(key, state);
    }
    state.pending++;
    const due = state.resetAt === 0 || state.pending >= this.options.syncEvery || state.unavailable;
    if (due && !state.syncing) {
      const amount = state.pending;
      state.pending = 0;
      state.inFlight = amount;
      state.syncing = this.settle(state, this.sync(key, amount), amount);
      if ((await state.syncing) === 'unavailable') return 'unavailable';
    } else if (state.resetAt === 0 && state.syncing) {
      // First sync of this window still in flight: wait for it rather than guess.
      if ((await state.syncing) === 'unavailable') return 'unavailable';
    } else if (state.unavailable) {
      return 'unavailable';
    } else {
      this.scheduleFlush();
    }
    return { count: state.known + state.inFlight + state.pending, resetInMs: Math.max(0, state.resetAt - this.now()) };
  }

  /**
   * hit() for a caller that cannot wait: counts the hit and returns true only when hit() would
   * decide it from what this instance already knows (window synced, no sync due or one already in
   * flight, Redis reachable)
   * and the count stays within `max`. Otherwise counts nothing and returns false: the caller takes
   * the path that calls hit(), which syncs or refuses as usual.
   */
  tryHitWithin(key: string, max: number): boolean {
    const now = this.now();
    const state = this.windows.get(key);
    if (!state || state.resetAt === 0 || now >= state.resetAt || state.unavailable) return false;
    // A sync due and none in flight: hit() starts one and waits for it. With one in flight, hit()
    // decides from the local count without waiting, and so does this (otherwise every hit of a busy
    // client goes the slow way for a whole Redis round trip, until the sync settles).
    const syncDue = state.pending + 1 >= this.options.syncEvery && !state.syncing;
    if (syncDue || state.known + state.inFlight + state.pending + 1 > max) return false;
    state.pending++;
    this.scheduleFlush();
    return true;
  }

  /** Sends every key's unsent hits now, in one batch (the background flush; tests call it). */
  async flush(): Promise<void> {
    this.flushTimer = null;
    const items: Array<{ key: string; amount: number; state: WindowState }> = [];
    for (const [key, state] of this.windows) {
      if (state.pending > 0 && !state.syncing && state.resetAt > 0) {
        items.push({ key, amount: state.pending, state });
        state.inFlight = state.pending;
        state.pending = 0;
      }
    }
    if (items.length === 0) return;
    const results = this.syncBatch(items.map(({ key, amount }) => ({ key, amount }))).catch(() => items.map((): SyncResult => 'unavailable'));
    await Promise.all(
      items.map(
        (item, i) =>
          (item.state.syncing = this.settle(
            item.state,
            results.then((r) => r[i] ?? 'unavailable'),
            item.amount,
          )),
      ),
    );
  }

  get size(): number {
    return this.windows.size;
  }

  private settle(state: WindowState, result: Promise<SyncResult>, amount: number): Promise<SyncResult> {
    return result.then((r) => {
      state.syncing = null;
      state.inFlight = 0;
      state.lastSyncAt = this.now();
      state.unavailable = r === 'unavailable';
      if (r === 'unavailable') {
        state.pending += amount; // not counted anywhere yet: retried with the next sync
        return r;
      }
      state.known = r[0];
      if (r[1] >= 0 || state.resetAt === 0) state.resetAt = state.lastSyncAt + Math.max(0, r[1]);
      return r;
    });
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flush(), this.options.syncMs);
    this.flushTimer.unref();
  }

  private sweep(now: number): void {
    for (const [key, state] of this.windows) if (state.resetAt > 0 && state.resetAt <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size < (this.options.maxKeys ?? 50_000)) break;
      this.windows.delete(key);
    }
  }
}
