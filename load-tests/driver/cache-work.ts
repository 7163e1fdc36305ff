// What the read cache did while the load ran at full strength: lookups, hits by layer and the
// computations that went to PostgreSQL, from the API instances' own counters
// (cache_requests_total, cache_computations_total in libs/cache/src/cache-metrics.ts), read
// straight from each instance's /metrics at both ends of the stretch at full strength (the
// reading is work-counters.ts readStackCounters, with the query counts from the same scrape).
// Why: the endpoints measured alone (`npm run bench:cost`) are cached reads at a 100% hit rate;
// in the mixed journey, writes to the same articles bump the versions of the pages that embed
// them, and readers reach a long tail of articles, so a share of reads is computed instead. That
// share, per cache, is what turns the per-endpoint costs into the journey's cost per request.
import type { CacheWork, CacheWorkRow } from '../shared/summary.ts';

/** Counter values by series: `requests|<cache>|<layer>|<result>` and `computed|<cache>|<kind>`. */
export type CacheCounters = Map<string, number>;

const SERIES = /^(cache_requests_total|cache_computations_total)\{([^}]*)\} ([0-9.eE+-]+)$/gm;
const LABEL = /(\w+)="([^"]*)"/g;

/** The cache counters in one /metrics text (Prometheus text format). */
export function parseCacheCounters(text: string): CacheCounters {
  const counters: CacheCounters = new Map();
  for (const [, name, labelText, value] of text.matchAll(SERIES)) {
    const labels = Object.fromEntries([...labelText.matchAll(LABEL)].map(([, k, v]) => [k, v]));
    const key = name === 'cache_requests_total' ? `requests|${labels.cache}|${labels.layer}|${labels.result}` : `computed|${labels.cache}|${labels.kind}`;
    counters.set(key, (counters.get(key) ?? 0) + Number(value));
  }
  return counters;
}

/**
 * The cache's work between two readings, against the requests the driver made meanwhile.
 * Shared lookups are in-process hits plus Redis lookups (an in-process miss always goes on to
 * Redis, so it is not counted twice); a read is served when it did not run the computation.
 */
export function cacheWorkBetween(before: CacheCounters, after: CacheCounters, requests: number, seconds: number): CacheWork | undefined {
  if (requests <= 0 || seconds <= 0) return undefined;
  const delta = (key: string) => Math.max(0, (after.get(key) ?? 0) - (before.get(key) ?? 0));
  const caches = [...new Set([...after.keys()].map((key) => key.split('|')[1]))].sort();
  const rows: CacheWorkRow[] = [];
  for (const cache of caches) {
    const localHits = delta(`requests|${cache}|local|hit`);
    const redisHits = delta(`requests|${cache}|redis|hit`);
    const redisLookups = redisHits + delta(`requests|${cache}|redis|miss`) + delta(`requests|${cache}|redis|unavailable`);
    const lookups = localHits + redisLookups;
    const personalLookups = delta(`requests|${cache}|personal|hit`) + delta(`requests|${cache}|personal|miss`);
    const sharedComputed = delta(`computed|${cache}|shared`);
    const personalComputed = delta(`computed|${cache}|personal`);
    if (lookups === 0 && personalLookups === 0 && sharedComputed === 0 && personalComputed === 0) continue;
    rows.push({
      cache,
      lookupsPerS: lookups / seconds,
      servedPct: lookups ? (100 * Math.max(0, lookups - sharedComputed)) / lookups : 0,
      inProcessPct: lookups ? (100 * localHits) / lookups : 0,
      redisPct: lookups ? (100 * redisHits) / lookups : 0,
      sharedComputedPerS: sharedComputed / seconds,
      personalLookupsPerS: personalLookups / seconds,
      personalServedPct: personalLookups ? (100 * Math.max(0, personalLookups - personalComputed)) / personalLookups : undefined,
      personalComputedPerS: personalComputed / seconds,
    });
  }
  if (rows.length === 0) return undefined;
  const per100 = (perS: number) => (100 * perS * seconds) / requests;
  const shared = rows.reduce((a, r) => a + r.sharedComputedPerS, 0);
  const personal = rows.reduce((a, r) => a + r.personalComputedPerS, 0);
  return { requests, seconds, computedPer100: per100(shared + personal), sharedPer100: per100(shared), personalPer100: per100(personal), caches: rows };
}
