import { sumOf, type Sample } from './prometheus-text.js';

/** One scrape of one target: its samples and when they were read. */
export interface Scrape {
  at: number;
  samples: Sample[];
}

/** What the /ops page shows for one API instance; rates are over the interval between two scrapes. */
export interface ApiFigures {
  requestsPerSecond: number | null;
  p95Ms: number | null;
  cacheHitRatio: number | null;
  shedPerSecond: number | null;
  chatConnections: number;
}

const DURATION = 'http_request_duration_seconds';
/** Health checks and metrics scrapes are not traffic. */
const isTraffic = (route: string) => !route.startsWith('/health') && route !== '/metrics';

/** Cumulative histogram buckets (upper bound -> count) of real traffic, summed over every label. */
function buckets(samples: Sample[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${DURATION}_bucket` || !isTraffic(s.labels.route ?? '')) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * The 95th percentile of the requests between two scrapes, from the histogram's bucket deltas,
 * interpolated inside the bucket as PromQL's histogram_quantile does. null without requests.
 */
export function p95Between(before: Sample[], after: Sample[]): number | null {
  const a = buckets(after);
  const b = buckets(before);
  const bounds = [...a.keys()].sort((x, y) => x - y);
  const counts = bounds.map((le) => Math.max(0, (a.get(le) ?? 0) - (b.get(le) ?? 0)));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = 0.95 * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] < rank) continue;
    if (bounds[i] === Infinity) return bounds[i - 1] ?? null; // above the last finite bucket: its bound, as PromQL does
    const lower = i === 0 ? 0 : bounds[i - 1];
    const below = i === 0 ? 0 : counts[i - 1];
    return lower + (bounds[i] - lower) * ((rank - below) / (counts[i] - below || 1));
  }
  return null;
}

const isHit = (r: string) => r === 'hit';
const redisLookups = { layer: 'redis' };

export function apiFigures(previous: Scrape | undefined, current: Scrape): ApiFigures {
  const now = current.samples;
  const chatConnections = sumOf(now, 'chat_socket_connections');
  if (!previous || current.at <= previous.at) return { requestsPerSecond: null, p95Ms: null, cacheHitRatio: null, shedPerSecond: null, chatConnections };
  const before = previous.samples;
  const seconds = (current.at - previous.at) / 1000;
  const delta = (name: string, where = {}) => Math.max(0, sumOf(now, name, where) - sumOf(before, name, where));
  const requests = delta('http_requests_total', { route: isTraffic });
  const hits = delta('cache_requests_total', { result: isHit });
  const misses = delta('cache_requests_total', { ...redisLookups, result: (r: string) => !isHit(r) });
  const p95 = p95Between(before, now);
  return {
    requestsPerSecond: requests / seconds,
    p95Ms: p95 === null ? null : p95 * 1000,
    cacheHitRatio: hits + misses > 0 ? hits / (hits + misses) : null,
    shedPerSecond: delta('load_shed_total') / seconds,
    chatConnections,
  };
}

/** Jobs per queue and state (waiting, active, delayed, failed ...), as the worker reports them. */
export function queueDepths(samples: Sample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of samples) {
    if (s.name !== 'queue_jobs') continue;
    (out[s.labels.queue ?? '?'] ??= {})[s.labels.state ?? '?'] = s.value;
  }
  return out;
}
