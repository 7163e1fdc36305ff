import type { Redis } from 'ioredis';

/**
 * Reads all version keys (creating a fresh random version for a missing one) and the entries,
 * in one round trip and one MGET (a read costs two commands, the script call and its MGET, however
 * many tags it has; the SET runs only for a missing version). A missing version is never read as
 * "0": after an eviction or a Redis restart it gets a new unique value, so an entry written under
 * an older value can never match.
 * KEYS: n version keys, then entry keys. ARGV: n, version TTL ms, fresh-version prefix, and
 * optionally the version of the caller's in-process copy: if the shared entry was written under
 * it, '=' comes back instead of the body (the caller still checks it is the current version).
 * Command count tested in apps/api/test/cache/redis-commands.e2e.spec.ts.
 */
const READ_SCRIPT = `
local n = tonumber(ARGV[1])
local out = redis.call('MGET', unpack(KEYS))
for i = 1, #KEYS do
  local v = out[i]
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

/**
 * A shared miss, step 1, in one round trip: the entry if another fill already stored it under the
 * current version, else the fill lock (SET NX) if it is free. KEYS: entry, lock. ARGV: "<version>\n",
 * lock token, lock TTL ms. Returns {'hit', entry}, {'locked'} or {'busy'} (someone else fills).
 */
const LOCK_OR_GET_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return {'hit', v} end
if redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') then return {'locked'} end
return {'busy'}`;

/** A shared miss, step 2: stores the computed entry and releases our lock in one round trip. KEYS: entry, lock. ARGV: value, TTL ms, lock token. */
const STORE_AND_UNLOCK_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;

/** A Redis client with VersionedCache's Lua scripts defined on it. */
export type CacheRedis = Redis & {
  cacheRead(numKeys: number, ...args: (string | number)[]): Promise<(string | null)[]>;
  cacheBump(numKeys: number, ...args: (string | number)[]): Promise<number>;
  cacheUnlock(key: string, token: string): Promise<number>;
  cacheLockOrGet(entryKey: string, lockKey: string, versionPrefix: string, token: string, lockTtlMs: number): Promise<['hit', string] | ['locked'] | ['busy']>;
  cacheStoreAndUnlock(entryKey: string, lockKey: string, value: string, ttlMs: number, token: string): Promise<number>;
};

/** Defines the scripts on the client once (several caches may share one client). */
export function defineCacheScripts(redis: Redis): CacheRedis {
  if (!('cacheRead' in redis)) {
    redis.defineCommand('cacheRead', { lua: READ_SCRIPT });
    redis.defineCommand('cacheBump', { lua: BUMP_SCRIPT });
    redis.defineCommand('cacheUnlock', { lua: UNLOCK_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('cacheLockOrGet', { lua: LOCK_OR_GET_SCRIPT, numberOfKeys: 2 });
    redis.defineCommand('cacheStoreAndUnlock', { lua: STORE_AND_UNLOCK_SCRIPT, numberOfKeys: 2 });
  }
  return redis as CacheRedis;
}
