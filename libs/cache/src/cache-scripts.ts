import type { Redis } from 'ioredis';

/**
 * Reads all version keys (creating a fresh random version for a missing one) and the entries,
 * in one round trip and one MGET (a read costs two commands, the script call and its MGET, however
 * many tags it has; the SET runs only for a missing version). A missing version is never read as
 * "0": after an eviction or a Redis restart it gets a new unique value, so an entry written under
 * an older value can never match.
 * A shared miss takes the fill lock in the same round trip: when the shared entry was not written
 * under the current shared versions, the lock (last key) is SET NX with the caller's token, and
 * 'locked' or 'busy' (someone else fills) comes back as one extra last element. Being atomic, a
 * miss seen here cannot have been filled meanwhile, so a miss costs two round trips around the
 * computation: this one and store-and-unlock.
 * KEYS: n version keys (the s shared ones first), the shared entry, [the personal entry], the lock.
 * ARGV: n, version TTL ms, fresh-version prefix, the version of the caller's in-process copy
 * ('' if none: if the shared entry was written under it, '=' comes back instead of the body; the
 * caller still checks it is the current version), s, lock token, lock TTL ms.
 * Command count tested in apps/api/test/cache/redis-commands.e2e.spec.ts.
 */
const READ_SCRIPT = `
local n = tonumber(ARGV[1])
local s = tonumber(ARGV[5])
local last = #KEYS - 1
local out = redis.call('MGET', unpack(KEYS, 1, last))
for i = 1, n do
  if not out[i] then
    out[i] = ARGV[3] .. i
    redis.call('SET', KEYS[i], out[i], 'PX', ARGV[2])
  end
end
local prefix = table.concat(out, '.', 1, s) .. '\\n'
local entry = out[n + 1]
local lock = false
if entry and ARGV[4] ~= '' and string.sub(entry, 1, #ARGV[4] + 1) == ARGV[4] .. '\\n' then
  out[n + 1] = '='
end
if not (entry and string.sub(entry, 1, #prefix) == prefix) then
  if redis.call('SET', KEYS[#KEYS], ARGV[6], 'PX', ARGV[7], 'NX') then lock = 'locked' else lock = 'busy' end
end
for i = 1, last do out[i] = out[i] or false end
out[last + 1] = lock
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

/** A shared miss, after the read took the lock: stores the computed entry and releases our lock in one round trip. KEYS: entry, lock. ARGV: value, TTL ms, lock token. */
const STORE_AND_UNLOCK_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;

/** A Redis client with VersionedCache's Lua scripts defined on it. */
export type CacheRedis = Redis & {
  cacheRead(numKeys: number, ...args: (string | number)[]): Promise<(string | null)[]>;
  cacheBump(numKeys: number, ...args: (string | number)[]): Promise<number>;
  cacheUnlock(key: string, token: string): Promise<number>;
  cacheStoreAndUnlock(entryKey: string, lockKey: string, value: string, ttlMs: number, token: string): Promise<number>;
};

/** Defines the scripts on the client once (several caches may share one client). */
export function defineCacheScripts(redis: Redis): CacheRedis {
  if (!('cacheRead' in redis)) {
    redis.defineCommand('cacheRead', { lua: READ_SCRIPT });
    redis.defineCommand('cacheBump', { lua: BUMP_SCRIPT });
    redis.defineCommand('cacheUnlock', { lua: UNLOCK_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('cacheStoreAndUnlock', { lua: STORE_AND_UNLOCK_SCRIPT, numberOfKeys: 2 });
  }
  return redis as CacheRedis;
}
