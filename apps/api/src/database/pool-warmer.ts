import type pg from 'pg';

/**
 * Opens the pool to its minimum (DB_POOL_MIN, capped at DB_POOL_MAX) before an instance takes
 * traffic: pg opens connections one request at a time otherwise, and the pool keeps `min` open
 * when idle (libs/db create-pool.ts). Each connect is bounded by DB_POOL_ACQUIRE_TIMEOUT_MS.
 * Provided by database.module.ts; used by the warm-up (warmup/warmup-state.ts).
 */
export class PoolWarmer {
  constructor(
    private readonly pool: pg.Pool,
    private readonly minimum: number,
  ) {}

  /** Returns how many connections are open; throws if fewer than the minimum could be opened. */
  async openToMinimum(): Promise<number> {
    const clients = await Promise.allSettled(Array.from({ length: this.minimum }, () => this.pool.connect()));
    for (const c of clients) if (c.status === 'fulfilled') c.value.release();
    const opened = clients.filter((c) => c.status === 'fulfilled').length;
    if (opened < this.minimum) throw new Error(`opened ${opened} of ${this.minimum} connections`);
    return this.pool.totalCount;
  }
}
