import type { Redis } from 'ioredis';
import type pg from 'pg';
import { lsnReached } from './lsn.js';

// Raises the stored position only (two writers may finish out of order). Positions compare as
// two hex words; a missing key is below everything. The key outlives any lag the router accepts.
const RAISE = `
local cur = redis.call('GET', KEYS[1])
local function words(l) local hi, lo = string.match(l, '^(%x+)/(%x+)$'); return tonumber(hi, 16), tonumber(lo, 16) end
if cur then
  local ch, cl = words(cur); local nh, nl = words(ARGV[1])
  if ch > nh or (ch == nh and cl >= nl) then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** The one Redis key of the watermark, under the app's REDIS_KEY_PREFIX (API and worker alike). */
export const writeWatermarkKey = (redisKeyPrefix: string) => `${redisKeyPrefix}db:write-lsn`;

/**
 * Read-your-writes across instances (pattern: LSN watermark). After every write the app makes
 * (the API: CacheInvalidation after each commit, before any cache version moves, and every write
 * request before its response; the worker: before it bumps a cached profile), the primary's WAL
 * position is stored in Redis; the API's reads go to the replica only once it has replayed that far
 * (apps/api/src/database/replica/read-router.ts). One key for the whole app, not one per user: the shared
 * cache is filled by whichever reader misses first, so a fill from a replica that has not replayed
 * user A's write would serve A's stale page to A (and everyone) until the next write. The cost: while
 * the replica lags behind the latest write, all routed reads go to the primary.
 * Tests: write-watermark.int.spec.ts, infra/test/db-tier/replica.e2e.spec.ts (replica delayed by
 * recovery_min_apply_delay).
 */
export class WriteWatermark {
  constructor(
    private readonly primary: pg.Pool,
    private readonly redis: Redis,
    private readonly key: string,
    readonly ttlMs: number,
  ) {}

  /**
   * Records the primary's WAL insert position: past every commit record so far. Not
   * pg_current_wal_lsn() (the write position): with synchronous_commit off a commit returns before
   * its record is written, so the write position can sit before it, and a replica that replayed up
   * to there would pass for having the write (the replica test caught it as a 404 on the writer's
   * own new article).
   */
  async raise(): Promise<void> {
    const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    await this.redis.eval(RAISE, 1, this.key, rows[0].lsn, this.ttlMs);
  }

  /** True when `replayLsn` covers the last recorded write (or none is recorded). Throws when Redis cannot say. */
  async covers(replayLsn: string): Promise<boolean> {
    const target = await this.redis.get(this.key);
    return target === null || lsnReached(replayLsn, target);
  }
}
