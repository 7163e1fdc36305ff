/**
 * Where the read cache's keys live in Redis: `${REDIS_KEY_PREFIX}c:`. The API reads and writes
 * there and the worker bumps tags there (apps/worker/src/images/profile-cache.invalidator.ts), so
 * both take the prefix from here.
 */
export function readCacheKeyPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}c:`;
}
