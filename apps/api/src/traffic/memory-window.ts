/**
 * Per-instance fixed-window counters: the fallback for the strict limits (login, registration)
 * while Redis is unreachable, so brute force stays bounded (by limit x instances) during an outage.
 * Bounded in size: expired windows are swept, and past `maxKeys` the oldest keys are dropped.
 * Tested in apps/api/src/traffic/memory-window.spec.ts and apps/api/test/traffic/rate-limit.e2e.spec.ts.
 */
export class MemoryWindow {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit; returns the count in the current window and ms until it resets. */
  hit(key: string, windowMs: number): { count: number; resetInMs: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (window) this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
