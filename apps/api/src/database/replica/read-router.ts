import { isDatabaseUnavailableError, type WriteWatermark } from '@conduit/db';
import type pg from 'pg';
import { pgErrorCode } from '../../common/sql.js';
import type { ReplicaMonitor } from './replica-monitor.js';
import { dbReads } from './replica.metrics.js';

/**
 * The one routing point for reads that tolerate staleness (pattern: read replica). Repositories
 * of lists, articles, profiles, tags and comments call `read(db => ...)`; writes, transactions and
 * everything else use the primary pool directly. A read goes to the replica only when
 *  1. its last probe answered within a second (else: `down`),
 *  2. its lag is at most DB_REPLICA_MAX_LAG_MS (else: `lagging`),
 *  3. it has replayed the app's last write (write-watermark.ts; else: `behind_write`).
 * A read the replica fails (it died between probes) is retried once on the primary, so a replica
 * outage costs latency, never a 5xx. Without DATABASE_REPLICA_URL everything is the primary.
 * Not through here, on purpose: the Prisma client (database.module.ts) is built on the primary pool,
 * so users lookups (sign-in, the token's user recheck), chat membership and room checks and comment
 * ownership checks always see the latest commit. An authorization or write-path check answered by
 * a lagging replica could let a removed member post or refuse an author's own delete. Never give
 * Prisma the replica pool; a new stale-tolerant read goes through `read()`.
 * Tests: infra/test/db-tier/replica.e2e.spec.ts. Bench: npm run bench:db-tier.
 */
export class ReadRouter {
  constructor(
    private readonly primary: pg.Pool,
    private readonly replica?: { pool: pg.Pool; monitor: ReplicaMonitor; watermark: WriteWatermark; maxLagMs: number },
  ) {}

  private distrustUntil = 0;

  /**
   * Called after each write commits (CacheInvalidation): no-op without a replica. Never fails the
   * write (it has committed): if the watermark cannot be stored, this instance reads from the
   * primary for the watermark's lifetime instead.
   */
  async recordWrite(): Promise<void> {
    if (!this.replica) return;
    try {
      await this.replica.watermark.raise();
    } catch {
      this.distrustUntil = Date.now() + this.replica.watermark.ttlMs;
    }
  }

  async read<T>(work: (db: pg.Pool) => Promise<T>): Promise<T> {
    const reason = await this.replicaRefusal();
    if (reason) {
      dbReads.inc({ target: 'primary', reason });
      return work(this.primary);
    }
    try {
      const result = await work(this.replica!.pool);
      dbReads.inc({ target: 'replica', reason: 'ok' });
      return result;
    } catch (error) {
      // 40001 on a standby: cancelled by a conflict with WAL replay (the primary has no such conflict).
      if (!isDatabaseUnavailableError(error) && pgErrorCode(error) !== '40001') throw error;
      this.replica!.monitor.markDown();
      dbReads.inc({ target: 'primary', reason: 'failed' });
      return work(this.primary);
    }
  }

  /** Stops probing and closes the replica's pool (the primary pool is the database module's). */
  async close(): Promise<void> {
    this.replica?.monitor.stop();
    await this.replica?.pool.end().catch(() => {});
  }

  /** Why this read cannot go to the replica, or undefined when it can. */
  private async replicaRefusal(): Promise<string | undefined> {
    if (!this.replica) return 'no_replica';
    const state = this.replica.monitor.state();
    if (!state.up || !state.replayLsn) return 'down';
    if (state.lagMs > this.replica.maxLagMs) return 'lagging';
    if (Date.now() < this.distrustUntil) return 'behind_write';
    try {
      return (await this.replica.watermark.covers(state.replayLsn)) ? undefined : 'behind_write';
    } catch {
      return 'behind_write'; // Redis cannot tell where the last write is: the primary is always right
    }
  }
}
