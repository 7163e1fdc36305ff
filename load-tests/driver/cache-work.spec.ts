import { describe, expect, it } from 'vitest';
import { formatCacheWork } from '../shared/summary.ts';
import { cacheWorkBetween, parseCacheCounters } from './cache-work.ts';

/** /metrics text as prom-client writes it, for one instance. */
function metricsText(c: {
  listLocalHit: number;
  listLocalMiss: number;
  listRedisHit: number;
  listRedisMiss: number;
  listComputed: number;
  flagsMiss: number;
  flagsHit: number;
  flagsComputed: number;
}): string {
  return [
    '# HELP cache_requests_total Cache lookups by cache name, layer (local, redis, personal) and result (hit, miss, unavailable)',
    '# TYPE cache_requests_total counter',
    `cache_requests_total{cache="articleList",layer="local",result="hit"} ${c.listLocalHit}`,
    `cache_requests_total{cache="articleList",layer="local",result="miss"} ${c.listLocalMiss}`,
    `cache_requests_total{cache="articleList",layer="redis",result="hit"} ${c.listRedisHit}`,
    `cache_requests_total{cache="articleList",layer="redis",result="miss"} ${c.listRedisMiss}`,
    `cache_requests_total{cache="articleList",layer="personal",result="hit"} ${c.flagsHit}`,
    `cache_requests_total{cache="articleList",layer="personal",result="miss"} ${c.flagsMiss}`,
    `cache_requests_total{cache="tags",layer="local",result="hit"} 50`,
    '# HELP cache_computations_total Cache fills computed from the source of truth, by cache name and kind (shared, personal)',
    '# TYPE cache_computations_total counter',
    `cache_computations_total{cache="articleList",kind="shared"} ${c.listComputed}`,
    `cache_computations_total{cache="articleList",kind="personal"} ${c.flagsComputed}`,
    'cache_lock_total{outcome="acquired"} 7',
    'http_requests_total{method="GET",route="/api/articles",status_code="200"} 900',
  ].join('\n');
}

describe('the read cache at full strength, from the instances’ counters', () => {
  it('parses the cache series only, summing repeated series', () => {
    const counters = parseCacheCounters(
      metricsText({ listLocalHit: 1, listLocalMiss: 2, listRedisHit: 3, listRedisMiss: 4, listComputed: 5, flagsMiss: 6, flagsHit: 0, flagsComputed: 6 }) +
        '\ncache_requests_total{cache="articleList",layer="local",result="hit"} 10',
    );
    expect(counters.get('requests|articleList|local|hit')).toBe(11);
    expect(counters.get('requests|articleList|redis|miss')).toBe(4);
    expect(counters.get('computed|articleList|shared')).toBe(5);
    expect(counters.get('requests|tags|local|hit')).toBe(50);
    expect([...counters.keys()].some((k) => k.includes('lock') || k.includes('http'))).toBe(false);
  });

  it('turns two readings into hit rates by layer and computations per 100 requests', () => {
    const before = parseCacheCounters(metricsText({ listLocalHit: 0, listLocalMiss: 0, listRedisHit: 0, listRedisMiss: 0, listComputed: 0, flagsMiss: 0, flagsHit: 0, flagsComputed: 0 }));
    // 100 lookups in 10 s: 20 from memory, 80 went to Redis (50 hits, 30 misses: 30 computed);
    // 40 signed-in reads: 10 flags from Redis, 30 computed. The tags cache did nothing meanwhile.
    const after = parseCacheCounters(metricsText({ listLocalHit: 20, listLocalMiss: 60, listRedisHit: 50, listRedisMiss: 30, listComputed: 30, flagsMiss: 30, flagsHit: 10, flagsComputed: 30 }));
    const work = cacheWorkBetween(before, after, 200, 10)!;
    expect(work.caches).toHaveLength(1);
    const [list] = work.caches;
    expect(list.cache).toBe('articleList');
    expect(list.lookupsPerS).toBe(10);
    expect(list.servedPct).toBe(70);
    expect(list.inProcessPct).toBe(20);
    expect(list.redisPct).toBe(50);
    expect(list.sharedComputedPerS).toBe(3);
    expect(list.personalLookupsPerS).toBe(4);
    expect(list.personalServedPct).toBe(25);
    expect(work.sharedPer100).toBe(15);
    expect(work.personalPer100).toBe(15);
    expect(work.computedPer100).toBe(30);

    const text = formatCacheWork(work).join('\n');
    expect(text).toContain("30.0 computations from PostgreSQL per 100 requests (shared entries 15.0, signed-in viewers' flags 15.0)");
    expect(text).toMatch(/articleList +10\.0 lookups\/s, +70% served \(in-process 20%, Redis 50%\), 3\.0\/s computed; viewers' flags 4\.0\/s, 25% from Redis/);
  });

  it('gives nothing without requests or readings that moved', () => {
    const same = parseCacheCounters(metricsText({ listLocalHit: 5, listLocalMiss: 5, listRedisHit: 5, listRedisMiss: 5, listComputed: 5, flagsMiss: 5, flagsHit: 5, flagsComputed: 5 }));
    expect(cacheWorkBetween(same, same, 100, 10)).toBeUndefined();
    expect(cacheWorkBetween(new Map(), same, 0, 10)).toBeUndefined();
  });
});
