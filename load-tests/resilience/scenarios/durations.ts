/** Phase and fault lengths of the fault scenarios (full run or shortened CI run). */
export interface Durations {
  beforeS: number;
  afterS: number;
  /** Length of a short fault (Redis kill/freeze, PostgreSQL down). */
  faultS: number;
  /** "Redis down longer than ioredis's retry budget". */
  longRedisS: number;
  /** Cold start: how long dependencies stay down. */
  coldDownS: number;
  /** Warm start: warm-up on and off for both events (full), or warm-up on only (CI, under 60 s). */
  warmStartBothWays: boolean;
  /** SIGKILL-after-commit: creates killed at the fault point. */
  crashKills: number;
  /** Frozen cache Redis: sequential reads measured healthy, then frozen. */
  sequentialReads: number;
  /**
   * The database-tier faults (replica stopped / lagging, PgBouncer restart) on a restarted stack.
   * Full run only: CI covers the same faults in `npm run test:db-tier` (infra/test/db-tier), and the
   * stack restart plus three scenarios would add about 90 s to every CI run.
   */
  databaseTier: boolean;
}

export const FULL: Durations = { beforeS: 15, afterS: 20, faultS: 10, longRedisS: 90, coldDownS: 20, warmStartBothWays: true, crashKills: 3, sequentialReads: 2000, databaseTier: true };
export const CI: Durations = { beforeS: 3, afterS: 6, faultS: 5, longRedisS: 20, coldDownS: 5, warmStartBothWays: false, crashKills: 2, sequentialReads: 1000, databaseTier: false };
