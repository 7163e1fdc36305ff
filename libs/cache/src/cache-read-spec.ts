/** The options and the read contract of VersionedCache. */

export interface VersionedCacheOptions {
  /** Prefix for every key (the app's REDIS_KEY_PREFIX plus a namespace). */
  prefix: string;
  /** Redis entry TTL; jittered down by up to `ttlJitterRatio`. */
  ttlMs: number;
  ttlJitterRatio: number;
  /** Tag version keys live this long (a missing version is re-created safely, see cache-scripts.ts). */
  versionTtlMs: number;
  /** In-process layer: entries and TTL (the cross-instance staleness bound for anonymous reads). */
  localMaxEntries: number;
  localTtlMs: number;
  /**
   * How long an expired in-process entry may still be served by `peekLocal(..., 'stale')`: to a
   * caller that would otherwise refuse the read (an instance shedding load). 0 or absent: never.
   */
  localStaleGraceMs?: number;
  /** Cross-instance stampede lock: how long it is held at most, how long others wait for it. */
  lockTtlMs: number;
  lockWaitMs: number;
  /** false = every read computes (the "uncached" baseline of the benchmark). */
  enabled?: boolean;
}

/** The caller's per-user part of a read (e.g. favorited/following flags), cached per user. */
export interface PersonalSpec {
  /** Who it belongs to (a user id). */
  scope: string;
  /** Tags whose version changes when this user's part changes (e.g. `flags:<userId>`). */
  tags: string[];
  /** Computes the personal part from the shared body (one batched query). */
  compute: (shared: string) => Promise<string>;
  /**
   * Without it, the personal part is one entry per scope AND read key, computed from the shared
   * body and recomputed whenever that body's version moves. With it, one entry per scope under
   * this key, shared by every read of the scope (e.g. a viewer's follows and favorites, from
   * which any page's flags follow): it depends only on `tags` and the global epoch, and `compute`
   * must not use the body. The read's `version` still covers both parts. Such an entry only
   * lives in Redis: when Redis is unavailable (or the cache disabled) it is not computed and the
   * result has no `personal`, so the caller answers from something bounded by the read instead.
   */
  key?: string;
}

export interface CacheReadSpec {
  /** Cache name for metrics (articleList, article, profile, tags). */
  cache: string;
  /** Logical key: the same inputs always give the same key. */
  key: string;
  /** Invalidation tags; a write bumps the tags it affects. */
  tags: string[];
  /** Produces the serialized shared body from the database. */
  compute: () => Promise<string>;
  /** Serve from the in-process layer when possible (anonymous reads only). */
  local?: boolean;
  personal?: PersonalSpec;
  ttlMs?: number;
}

export interface CacheReadResult {
  shared: string;
  personal?: string;
  /**
   * Opaque validator made of the tag versions the body was read under (usable as an ETag; it
   * includes the personal versions when `personal` was given). null when Redis could not be asked.
   */
  version: string | null;
  source: 'local' | 'redis' | 'computed';
  /**
   * Present when the value lives in the in-process layer: an object that stays the same for as
   * long as that entry does, so callers can memoize work derived from `shared` (e.g. the encoded
   * response bytes) in a WeakMap keyed by it.
   */
  handle?: object;
}
