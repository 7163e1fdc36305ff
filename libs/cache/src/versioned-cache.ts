import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { cacheComputationsTotal, cacheLockTotal, cacheRedisFailuresTotal, cacheRequestsTotal } from './cache-metrics.js';
import { jitteredTtl } from './jitter.js';
import { LocalLayer } from './local-layer.js';
import { RedisBreaker, UNAVAILABLE } from './redis-breaker.js';
import { SingleFlight } from './single-flight.js';

export interface VersionedCacheOptions {
  /** Prefix for every key (the app's REDIS_KEY_PREFIX plus a namespace). */
  prefix: string;
  /** Redis entry TTL; jittered down by up to `ttlJitterRatio`. */
  ttlMs: number;
  ttlJitterRatio: number;
  /** Tag version keys live this long (a missing version is re-created safely, see READ_SCRIPT). */
  versionTtlMs: number;
  /** In-process layer: entries and TTL (the cross-instance staleness bound for anonymous reads). */
  localMaxEntries: number;
  localTtlMs: number;
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

interface LocalValue {
  body: string;
  version: string | null;
}

/**
 * Reads all version keys (creating a fresh random version for a missing one) and the entries,
 * in one round trip. A missing version is never read as "0": after an eviction or a Redis
 * restart it gets a new unique value, so an entry written under an older value can never match.
 * KEYS: n version keys, then entry keys. ARGV: n, version TTL ms, fresh-version prefix, and
 * optionally the version of the caller's in-process copy: if the shared entry was written under
 * it, '=' comes back instead of the body (the caller still checks it is the current version).
 */
const READ_SCRIPT = `
local n = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if (not v) and i <= n then
    v = ARGV[3] .. i
    redis.call('SET', KEYS[i], v, 'PX', ARGV[2])
  elseif v and i == n + 1 and ARGV[4] and ARGV[4] ~= '' and string.sub(v, 1, #ARGV[4] + 1) == ARGV[4] .. '\\n' then
    v = '='
  end
  out[i] = v or false
end
return out`;

/** Bumps tag versions to fresh unique values. KEYS: version keys. ARGV: TTL ms, fresh prefix. */
const BUMP_SCRIPT = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2] .. i, 'PX', ARGV[1])
end
return #KEYS`;

/** Releases the lock only if we still own it (the token), never someone else's. */
const UNLOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type CacheRedis = Redis & {
  cacheRead(numKeys: number, ...args: (string | number)[]): Promise<(string | null)[]>;
  cacheBump(numKeys: number, ...args: (string | number)[]): Promise<number>;
  cacheUnlock(key: string, token: string): Promise<number>;
};

const EPOCH_TAG = '~epoch';

/** Flight key for readers without Redis: no local invalidation since the flight started. */
const localFlightKey = (key: string, generations: readonly number[]) => `${key}\n~local:${generations.join('.')}`;

/**
 * Cache-aside over Redis with versioned tags (pattern: cache-aside + tag versioning + two levels
 * + stampede protection + fail-open).
 *
 * - Entries are stored serialized (`<versions>\n<body>`) so a hit passes bytes through.
 * - Invalidation never scans keys: a write bumps the version of the tags it touches; an entry is
 *   current only if it was written under the current versions of all its tags. One Lua call
 *   reads the versions and the entry together. Every entry also depends on a global epoch that is
 *   rotated when an invalidation could not reach Redis (see `invalidate`).
 * - Stampede: misses are coalesced per instance (SingleFlight keyed by key + versions), and across
 *   instances the filler takes a lock (SET NX PX with an owner token); others poll briefly for its
 *   result, then compute themselves (bounded: one per instance).
 * - Fail-open: any Redis error, timeout or outage skips the cache (RedisBreaker) and the value is
 *   computed from the database; no call waits longer than the client's commandTimeout.
 *
 * Tests: libs/cache/test/versioned-cache.int.spec.ts (real Redis), apps/api/test/cache/*.
 * Benchmark: npm run bench:cache (apps/api/bench/cache.bench.ts).
 */
export class VersionedCache {
  readonly breaker: RedisBreaker;
  private readonly redis: CacheRedis;
  private readonly local: LocalLayer<LocalValue>;
  private readonly sharedFlights = new SingleFlight<string>();
  private readonly personalFlights = new SingleFlight<string>();
  private readonly rotation = new SingleFlight<boolean>();
  private readonly instanceTag = randomBytes(4).toString('base64url');
  private counter = 0;
  /** An invalidation was lost (Redis unreachable): bypass Redis until the epoch is rotated. */
  private epochRotationPending = false;
  private rotationTimer?: NodeJS.Timeout;

  constructor(redis: Redis, private readonly options: VersionedCacheOptions) {
    this.breaker = new RedisBreaker(redis, { onFailure: (op, reason) => cacheRedisFailuresTotal.inc({ op, reason }) });
    this.redis = redis as CacheRedis;
    if (!('cacheRead' in redis)) {
      redis.defineCommand('cacheRead', { lua: READ_SCRIPT });
      redis.defineCommand('cacheBump', { lua: BUMP_SCRIPT });
      redis.defineCommand('cacheUnlock', { lua: UNLOCK_SCRIPT, numberOfKeys: 1 });
    }
    this.local = new LocalLayer<LocalValue>(options.localMaxEntries, options.localTtlMs);
  }

  get enabled(): boolean {
    return this.options.enabled !== false;
  }

  async read(spec: CacheReadSpec): Promise<CacheReadResult> {
    if (!this.enabled) {
      const shared = await spec.compute();
      const personal = spec.personal ? await spec.personal.compute(shared) : undefined;
      return { shared, personal, version: null, source: 'computed' };
    }
    // The in-process copy is SERVED only to reads without a personal part; reads with one (signed
    // in, read-your-writes) only reuse it once Redis confirmed it is current (no body transfer).
    const useLocal = spec.local === true && !spec.personal;
    const storeLocal = spec.local === true;
    const known = storeLocal && spec.personal ? this.local.peek(spec.key) : undefined;
    const allTags = [EPOCH_TAG, ...spec.tags];
    // Taken before anything is read, so a local invalidation racing with this read wins.
    const generations = this.local.snapshot(allTags);
    if (useLocal) {
      const hit = this.local.get(spec.key);
      if (hit) {
        cacheRequestsTotal.inc({ cache: spec.cache, layer: 'local', result: 'hit' });
        return { shared: hit.body, version: hit.version, source: 'local', handle: hit };
      }
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'local', result: 'miss' });
    }

    const values = this.epochRotationPending && !(await this.rotateEpoch()) ? UNAVAILABLE : await this.readVersionsAndEntries(spec, known?.version ?? '');
    if (values === UNAVAILABLE) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'unavailable' });
      return this.readWithoutRedis(spec, useLocal, allTags, generations);
    }

    const tagCount = allTags.length;
    const sharedVersion = values.slice(0, tagCount).join('.');
    const entry = values[tagCount + (spec.personal ? spec.personal.tags.length : 0)];
    let shared: string;
    let source: CacheReadResult['source'];
    let handle: LocalValue | undefined;
    if (entry === '=' && known && known.version === sharedVersion) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'hit' });
      shared = known.body;
      source = 'redis';
      handle = known;
    } else if (entry !== null && entry.length > sharedVersion.length && entry.startsWith(sharedVersion) && entry.charCodeAt(sharedVersion.length) === 10) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'hit' });
      shared = entry.slice(sharedVersion.length + 1);
      source = 'redis';
    } else {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'miss' });
      // Also joinable by readers of this instance that could not reach Redis (same local generations).
      shared = await this.sharedFlights.run(`${spec.key}\n${sharedVersion}`, () => this.fill(spec, sharedVersion), [localFlightKey(spec.key, generations)]);
      source = 'computed';
    }
    if (storeLocal && !handle) this.local.set(spec.key, (handle = { body: shared, version: sharedVersion }), allTags, generations);
    if (!spec.personal) return { shared, version: sharedVersion, source, handle };

    const personalSpec = spec.personal;
    const personalVersion = `${sharedVersion}~${values.slice(tagCount, tagCount + personalSpec.tags.length).join('.')}`;
    const personalEntry = values[values.length - 1];
    if (personalEntry !== null && personalEntry.startsWith(`${personalVersion}\n`)) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'personal', result: 'hit' });
      return { shared, personal: personalEntry.slice(personalVersion.length + 1), version: personalVersion, source, handle };
    }
    cacheRequestsTotal.inc({ cache: spec.cache, layer: 'personal', result: 'miss' });
    const personal = await this.personalFlights.run(`${personalSpec.scope}\n${spec.key}\n${personalVersion}`, async () => {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'personal' });
      const value = await personalSpec.compute(shared);
      const ttl = jitteredTtl(spec.ttlMs ?? this.options.ttlMs, this.options.ttlJitterRatio);
      await this.breaker.run('set', (r) => r.set(this.personalKey(personalSpec.scope, spec.key), `${personalVersion}\n${value}`, 'PX', ttl));
      return value;
    });
    return { shared, personal, version: personalVersion, source, handle };
  }

  /**
   * Call AFTER the write committed, before answering the writer. Drops this instance's local
   * entries at once and bumps the tags in Redis. If Redis cannot be reached the bump is lost, so
   * this instance stops using Redis until it has rotated the global epoch (which invalidates
   * every entry); other instances may serve pre-write entries until then or until the entry TTL.
   */
  async invalidate(tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    this.local.invalidate(tags);
    if (!this.enabled) return;
    const keys = tags.map((tag) => this.versionKey(tag));
    const result = await this.breaker.run('invalidate', (r) => (r as CacheRedis).cacheBump(keys.length, ...keys, this.options.versionTtlMs, this.freshVersion()));
    if (result === UNAVAILABLE) {
      this.epochRotationPending = true;
      this.scheduleRotation();
    }
  }

  /** Stops the background epoch-rotation retry (on shutdown). */
  close(): void {
    clearTimeout(this.rotationTimer);
    this.rotationTimer = undefined;
  }

  /** Drops the in-process layer (tests, benchmarks). */
  clearLocal(): void {
    this.local.clear();
  }

  private async readVersionsAndEntries(spec: CacheReadSpec, knownVersion: string): Promise<(string | null)[] | typeof UNAVAILABLE> {
    const versionKeys = [this.versionKey(EPOCH_TAG), ...spec.tags.map((t) => this.versionKey(t))];
    if (spec.personal) versionKeys.push(...spec.personal.tags.map((t) => this.versionKey(t)));
    const keys = [...versionKeys, this.entryKey(spec.key)];
    if (spec.personal) keys.push(this.personalKey(spec.personal.scope, spec.key));
    return this.breaker.run('read', (r) => (r as CacheRedis).cacheRead(keys.length, ...keys, versionKeys.length, this.options.versionTtlMs, this.freshVersion(), knownVersion));
  }

  /** Shared miss: fill under the cross-instance lock, or wait briefly for the instance that holds it. */
  private async fill(spec: CacheReadSpec, version: string): Promise<string> {
    const entryKey = this.entryKey(spec.key);
    const lockKey = `${this.options.prefix}lock:${spec.key}`;
    const token = this.freshVersion();
    const lock = await this.breaker.run('lock', (r) => r.set(lockKey, token, 'PX', this.options.lockTtlMs, 'NX'));
    if (lock === null) {
      const deadline = Date.now() + this.options.lockWaitMs;
      const pollMs = Math.max(5, Math.min(25, Math.floor(this.options.lockWaitMs / 10)));
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const value = await this.breaker.run('get', (r) => r.get(entryKey));
        if (value === UNAVAILABLE) break;
        if (value !== null && value.startsWith(`${version}\n`)) {
          cacheLockTotal.inc({ outcome: 'waited_hit' });
          return value.slice(version.length + 1);
        }
      }
      cacheLockTotal.inc({ outcome: 'waited_timeout' });
    } else if (lock === 'OK') {
      // Double-check under the lock: a reader whose miss was read just before another fill
      // stored the entry (here or on another instance) must not compute it again.
      const value = await this.breaker.run('get', (r) => r.get(entryKey));
      if (typeof value === 'string' && value.startsWith(`${version}\n`)) {
        cacheLockTotal.inc({ outcome: 'filled_meanwhile' });
        void this.breaker.run('unlock', (r) => (r as CacheRedis).cacheUnlock(lockKey, token));
        return value.slice(version.length + 1);
      }
      cacheLockTotal.inc({ outcome: 'acquired' });
    }
    try {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'shared' });
      const body = await spec.compute();
      const ttl = jitteredTtl(spec.ttlMs ?? this.options.ttlMs, this.options.ttlJitterRatio);
      await this.breaker.run('set', (r) => r.set(entryKey, `${version}\n${body}`, 'PX', ttl));
      return body;
    } finally {
      if (lock === 'OK') void this.breaker.run('unlock', (r) => (r as CacheRedis).cacheUnlock(lockKey, token));
    }
  }

  /** Redis unavailable: still coalesce per instance, still use the local layer, no ETag. */
  private async readWithoutRedis(spec: CacheReadSpec, useLocal: boolean, allTags: string[], generations: number[]): Promise<CacheReadResult> {
    const shared = await this.sharedFlights.run(localFlightKey(spec.key, generations), () => {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'shared' });
      return spec.compute();
    });
    if (useLocal) this.local.set(spec.key, { body: shared, version: null }, allTags, generations);
    if (!spec.personal) return { shared, version: null, source: 'computed' };
    cacheComputationsTotal.inc({ cache: spec.cache, kind: 'personal' });
    return { shared, personal: await spec.personal.compute(shared), version: null, source: 'computed' };
  }

  /** Retries the rotation in the background, so it happens even if this instance gets no reads. */
  private scheduleRotation(): void {
    if (this.rotationTimer) return;
    this.rotationTimer = setTimeout(async () => {
      this.rotationTimer = undefined;
      if (this.epochRotationPending && !(await this.rotateEpoch())) this.scheduleRotation();
    }, 500);
    this.rotationTimer.unref();
  }

  private rotateEpoch(): Promise<boolean> {
    return this.rotation.run('epoch', async () => {
      const key = this.versionKey(EPOCH_TAG);
      const ok = await this.breaker.run('rotate', (r) => (r as CacheRedis).cacheBump(1, key, this.options.versionTtlMs, this.freshVersion()));
      if (ok === UNAVAILABLE) return false;
      this.epochRotationPending = false;
      return true;
    });
  }

  private freshVersion(): string {
    this.counter = (this.counter + 1) % 2_176_782_336;
    return `${this.instanceTag}${this.counter.toString(36)}_`;
  }

  private versionKey(tag: string): string {
    return `${this.options.prefix}v:${tag}`;
  }

  private entryKey(key: string): string {
    return `${this.options.prefix}e:${key}`;
  }

  private personalKey(scope: string, key: string): string {
    return `${this.options.prefix}p:${scope}:${key}`;
  }
}

/**
 * For a process that writes data the API caches but does not read the cache itself (e.g. the
 * worker setting users.image): bumps the tags exactly like VersionedCache.invalidate, with the
 * same prefix the API uses (`${REDIS_KEY_PREFIX}c:`). Returns false if Redis could not be
 * reached (then readers see the change within the entry TTL). Never throws.
 */
export async function invalidateCacheTags(redis: Redis, prefix: string, tags: string[], versionTtlMs = 24 * 3_600_000): Promise<boolean> {
  if (tags.length === 0) return true;
  if (!('cacheBump' in redis)) redis.defineCommand('cacheBump', { lua: BUMP_SCRIPT });
  const keys = tags.map((tag) => `${prefix}v:${tag}`);
  const fresh = `${randomBytes(4).toString('base64url')}w${Date.now().toString(36)}_`;
  try {
    await (redis as CacheRedis).cacheBump(keys.length, ...keys, versionTtlMs, fresh);
    return true;
  } catch {
    return false;
  }
}
