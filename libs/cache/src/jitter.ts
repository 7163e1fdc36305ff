/**
 * TTL with jitter (pattern: expiry spreading).
 * Protects against: entries written together (after a deploy or a flush) all expiring in the
 * same instant and stampeding the database together. Returns a TTL in [ttl*(1-ratio), ttl].
 * Tested in libs/cache/src/jitter.spec.ts.
 */
export function jitteredTtl(ttlMs: number, ratio: number, random: () => number = Math.random): number {
  const spread = Math.max(0, Math.min(1, ratio));
  return Math.max(1, Math.round(ttlMs * (1 - spread * random())));
}
