import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheReadResult, CacheReadSpec, PersonalSpec, VersionedCacheOptions } from './cache-read-spec.js';
import { defineCacheScripts, type CacheRedis } from './cache-scripts.js';
import { cacheComputationsTotal, cacheLockTotal, cacheRedisFailuresTotal, cacheRequestsTotal } from './cache-metrics.js';
import { jitteredTtl } from './jitter.js';
import { LocalLayer } from './local-layer.js';
import { RedisBreaker, UNAVAILABLE } from './redis-breaker.js';
import { SingleFlight } from './single-flight.js';

interface LocalValue {
  body: string;
  version: string | null;
}

const EPOCH_TAG = '~epoch';

/** The cross-instance fill lock a read asks for; `outcome` is set by the read on a shared miss. */
interface FillLock {
  key: string;
  token: string;
  outcome?: 'locked' | 'busy';
}

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
 *   instances the filler takes a lock (SET NX PX with an owner token) in the same Lua call that
 *   found the miss; others poll briefly for its result, then compute themselves (bounded: one per
 *   instance).
 * - Fail-open: any Redis error, timeout or outage skips the cache (RedisBreaker) and the value is
 *   computed from the database; no call waits longer than the client's commandTimeout.
 *
 * Tests: libs/cache/test/versioned-cache.int.spec.ts (real Redis), apps/api/test/cache/*.
 * Benchmark: npm run bench:cache (bench/cache/cache.bench.ts).
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

  constructor(
    redis: Redis,
    private readonly options: VersionedCacheOptions,
  ) {
    this.breaker = new RedisBreaker(redis, { onFailure: (op, reason) => cacheRedisFailuresTotal.inc({ op, reason }) });
    this.redis = defineCacheScripts(redis);
    this.local = new LocalLayer<LocalValue>(options.localMaxEntries, options.localTtlMs, Date.now, options.localStaleGraceMs ?? 0);
  }

  get enabled(): boolean {
    return this.options.enabled !== false;
  }

  /** `read` of a `local` spec without a personal part, from memory only; 'stale' also takes an entry expired within localStaleGraceMs. */
  peekLocal(cache: string, key: string, freshness: 'fresh' | 'stale' = 'fresh'): CacheReadResult | undefined {
    if (!this.enabled) return undefined;
    const hit = freshness === 'stale' ? this.local.getStale(key) : this.local.get(key);
    if (!hit) return undefined;
    cacheRequestsTotal.inc({ cache, layer: 'local', result: freshness === 'stale' ? 'stale' : 'hit' });
    return { shared: hit.body, version: hit.version, source: 'local', handle: hit };
  }

  async read(spec: CacheReadSpec): Promise<CacheReadResult> {
    if (!this.enabled) {
      const shared = await spec.compute();
      return { shared, personal: spec.personal?.key === undefined ? await spec.personal?.compute(shared) : undefined, version: null, source: 'computed' };
    }
    // The in-process copy is SERVED only to reads without a personal part; reads with one (signed
    // in, read-your-writes) only reuse it once Redis confirmed it is current (no body transfer).
    const useLocal = spec.local === true && !spec.personal;
    const storeLocal = spec.local === true;
    if (useLocal) {
      const hit = this.peekLocal(spec.cache, spec.key);
      if (hit) return hit;
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'local', result: 'miss' });
    }
    const known = storeLocal && spec.personal ? this.local.peek(spec.key) : undefined;
    const allTags = [EPOCH_TAG, ...spec.tags];
    // Taken before anything async, so a local invalidation racing with this read wins (a local
    // hit above needs none: it returns in the same tick).
    const generations = this.local.snapshot(allTags);

    const lock: FillLock = { key: `${this.options.prefix}lock:${spec.key}`, token: this.freshVersion() };
    const values = this.epochRotationPending && !(await this.rotateEpoch()) ? UNAVAILABLE : await this.readVersionsAndEntries(spec, known?.version ?? '', lock);
    if (values === UNAVAILABLE) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'unavailable' });
      return this.readWithoutRedis(spec, useLocal, allTags, generations);
    }

    const tagCount = allTags.length;
    const sharedVersion = values.slice(0, tagCount).join('.');
    const personalTagCount = spec.personal ? spec.personal.tags.length : 0;
    const entryAt = tagCount + personalTagCount;
    lock.outcome = (values[values.length - 1] as FillLock['outcome']) ?? undefined;
    const found = await this.resolveShared(spec, values[entryAt], sharedVersion, known, generations, lock);
    const { shared, source } = found;
    let handle = found.handle;
    if (storeLocal && !handle) this.local.set(spec.key, (handle = { body: shared, version: sharedVersion }), allTags, generations);
    if (!spec.personal) return { shared, version: sharedVersion, source, handle };

    const personalTagVersions = values.slice(tagCount, entryAt).join('.');
    const version = `${sharedVersion}~${personalTagVersions}`;
    const entryVersion = spec.personal.key === undefined ? version : `${values[0]}~${personalTagVersions}`; // per scope: the epoch, not the body
    const personal = await this.readPersonal(spec, spec.personal, shared, entryVersion, values[entryAt + 1]);
    return { shared, personal, version, source, handle };
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

  /** Versions, entries and, on a shared miss, the fill lock (see READ_SCRIPT): one round trip. */
  private async readVersionsAndEntries(spec: CacheReadSpec, knownVersion: string, lock: FillLock): Promise<(string | null)[] | typeof UNAVAILABLE> {
    const versionKeys = [this.versionKey(EPOCH_TAG), ...spec.tags.map((t) => this.versionKey(t))];
    const sharedCount = versionKeys.length;
    if (spec.personal) versionKeys.push(...spec.personal.tags.map((t) => this.versionKey(t)));
    const keys = [...versionKeys, this.entryKey(spec.key)];
    if (spec.personal) keys.push(this.personalKey(spec.personal.scope, spec.personal.key ?? spec.key));
    keys.push(lock.key);
    const args = [versionKeys.length, this.options.versionTtlMs, this.freshVersion(), knownVersion, sharedCount, lock.token, this.options.lockTtlMs];
    return this.breaker.run('read', (r) => (r as CacheRedis).cacheRead(keys.length, ...keys, ...args));
  }

  /**
   * The shared body given the entry Redis returned: the in-process copy when Redis confirmed it
   * ('='), the entry when it was written under the current versions, else a (coalesced) fill.
   */
  private async resolveShared(
    spec: CacheReadSpec,
    entry: string | null,
    sharedVersion: string,
    known: LocalValue | undefined,
    generations: number[],
    lock: FillLock,
  ): Promise<{ shared: string; source: CacheReadResult['source']; handle?: LocalValue }> {
    if (entry === '=' && known && known.version === sharedVersion) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'hit' });
      return { shared: known.body, source: 'redis', handle: known };
    }
    if (entry !== null && entry.length > sharedVersion.length && entry.startsWith(sharedVersion) && entry.charCodeAt(sharedVersion.length) === 10) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'hit' });
      return { shared: entry.slice(sharedVersion.length + 1), source: 'redis' };
    }
    cacheRequestsTotal.inc({ cache: spec.cache, layer: 'redis', result: 'miss' });
    // Also joinable by readers of this instance that could not reach Redis (same local generations).
    let started = false;
    const flight = this.sharedFlights.run(
      `${spec.key}\n${sharedVersion}`,
      () => {
        started = true;
        return this.fill(spec, sharedVersion, lock);
      },
      [localFlightKey(spec.key, generations)],
    );
    // Joined a fill already running here after taking the lock ourselves (its holder's lock
    // expired or was released on an error): give it back rather than make others wait for it.
    if (!started && lock.outcome === 'locked') void this.breaker.run('unlock', (r) => (r as CacheRedis).cacheUnlock(lock.key, lock.token));
    return { shared: await flight, source: 'computed' };
  }

  /** The personal part: the stored one when written under `personalVersion`, else computed (coalesced) and stored. */
  private async readPersonal(spec: CacheReadSpec, personalSpec: PersonalSpec, shared: string, personalVersion: string, personalEntry: string | null): Promise<string> {
    if (personalEntry !== null && personalEntry.startsWith(`${personalVersion}\n`)) {
      cacheRequestsTotal.inc({ cache: spec.cache, layer: 'personal', result: 'hit' });
      return personalEntry.slice(personalVersion.length + 1);
    }
    cacheRequestsTotal.inc({ cache: spec.cache, layer: 'personal', result: 'miss' });
    const key = personalSpec.key ?? spec.key; // a per-scope entry, or one per scope and read key
    return this.personalFlights.run(`${personalSpec.scope}\n${key}\n${personalVersion}`, async () => {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'personal' });
      const value = await personalSpec.compute(shared);
      const ttl = jitteredTtl(spec.ttlMs ?? this.options.ttlMs, this.options.ttlJitterRatio);
      await this.breaker.run('set', (r) => r.set(this.personalKey(personalSpec.scope, key), `${personalVersion}\n${value}`, 'PX', ttl));
      return value;
    });
  }

  /**
   * Shared miss: fill under the cross-instance lock the read took (see READ_SCRIPT), or wait
   * briefly for the instance that holds it. One round trip after the computation: store-and-unlock.
   */
  private async fill(spec: CacheReadSpec, version: string, lock: FillLock): Promise<string> {
    const entryKey = this.entryKey(spec.key);
    if (lock.outcome === 'busy') {
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
    }
    const locked = lock.outcome === 'locked';
    if (locked) cacheLockTotal.inc({ outcome: 'acquired' });
    let body: string;
    try {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'shared' });
      body = await spec.compute();
    } catch (error) {
      if (locked) void this.breaker.run('unlock', (r) => (r as CacheRedis).cacheUnlock(lock.key, lock.token));
      throw error;
    }
    const ttl = jitteredTtl(spec.ttlMs ?? this.options.ttlMs, this.options.ttlJitterRatio);
    const entry = `${version}\n${body}`;
    if (locked) await this.breaker.run('set', (r) => (r as CacheRedis).cacheStoreAndUnlock(entryKey, lock.key, entry, ttl, lock.token));
    else await this.breaker.run('set', (r) => r.set(entryKey, entry, 'PX', ttl));
    return body;
  }

  /** Redis unavailable: still coalesce per instance, still use the local layer, no ETag. */
  private async readWithoutRedis(spec: CacheReadSpec, useLocal: boolean, allTags: string[], generations: number[]): Promise<CacheReadResult> {
    const shared = await this.sharedFlights.run(localFlightKey(spec.key, generations), () => {
      cacheComputationsTotal.inc({ cache: spec.cache, kind: 'shared' });
      return spec.compute();
    });
    if (useLocal) this.local.set(spec.key, { body: shared, version: null }, allTags, generations);
    // A per-scope entry is not computed without Redis (see PersonalSpec.key).
    if (!spec.personal || spec.personal.key !== undefined) return { shared, version: null, source: 'computed' };
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

  private versionKey = (tag: string) => `${this.options.prefix}v:${tag}`;
  private entryKey = (key: string) => `${this.options.prefix}e:${key}`;
  private personalKey = (scope: string, key: string) => `${this.options.prefix}p:${scope}:${key}`;
}
