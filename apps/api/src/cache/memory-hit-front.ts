import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import proxyAddr from '@fastify/proxy-addr';
import type { ArticleCache } from '../articles/article.cache.js';
import { requestIdOf } from '../bootstrap/request-id.js';
import type { CommentsCache } from '../comments/comments.cache.js';
import type { LifecycleService } from '../lifecycle/lifecycle.service.js';
import type { LoadShedder } from '../traffic/load-shedder.js';
import { recordHttpResponse } from '../metrics/http-metrics.js';
import type { ProfileCache } from '../profiles/profile.cache.js';
import type { TagsCache } from '../tags/tags.cache.js';
import type { RateLimitGuard } from '../traffic/rate-limit.guard.js';
import { WARMUP_HEADER } from '../warmup/warmup-marker.js';
import { knownListQuery } from './cached-read.fast-path.js';
import { ifNoneMatch, type CachedBody, type Freshness } from './cached-response.js';

export interface MemoryHitFrontDeps {
  articles: ArticleCache;
  comments: CommentsCache;
  profiles: ProfileCache;
  tags: TagsCache;
  rateLimit: RateLimitGuard;
  lifecycle: LifecycleService;
  /** Whether anonymous reads are being refused now: then an entry expired within the stale grace answers instead. */
  shedder: Pick<LoadShedder, 'isShedding'>;
  instanceId: string;
  /** Addresses whose X-Forwarded-For is believed (TRUSTED_PROXIES), as Fastify's trustProxy. */
  trustedProxies: string[];
  /** The security headers every response carries (bootstrap/security-headers.ts). */
  securityHeaders: Record<string, string>;
}

/** A read the front may answer: its route template (for metrics) and its in-memory lookup. */
interface MemoryRead {
  route: string;
  peek: (freshness: Freshness) => CachedBody | undefined;
  /** The read through the cache (Redis, else the database), which stores a fresh in-process entry. */
  refresh: () => Promise<unknown>;
}

/** Background refreshes of stale entries at once, at most: the work admission control does not see stays small. */
const MAX_REFRESHES_IN_FLIGHT = 4;

/** A path segment taken as is: the router would pass it through unchanged (no percent-decoding). */
const PLAIN_SEGMENT = /^[A-Za-z0-9._~-]{1,200}$/;

/**
 * Anonymous cached reads answered from this instance's memory before Fastify sees the request
 * (pattern: serve the hottest hits at the edge of the process).
 * Protects against: a read whose answer is already in memory costing several times the work of
 * writing it out. Measured at saturation (`npm run bench:cache`): a local hit of the list cost the
 * server ~108 µs of CPU through Fastify's routing, hook chain and reply machinery, 59 µs here; a
 * bare node:http server writing the same headers and bytes, ~30 µs. At the release gate's sparse
 * pattern the difference is lost in each request's wakeups (README, "Cost per request").
 * Answers only a GET with no Authorization, no Origin and no warm-up header, on one of the five
 * cached reads, whose entry is in the in-process layer (fresh: CACHE_LOCAL_TTL_MS bounds how long
 * another instance's write can stay unseen, as for every local hit), while the instance is not
 * draining, and whose client is within its general rate limit as far as this instance knows.
 * Anything else returns false untouched, and Fastify (its cached-read fast path, then Nest) answers
 * as always: misses, signed-in and cross-origin reads, a client's first request of a rate window,
 * 429s, and list queries not yet validated once by the schema.
 * Kept the same as the Fastify path, and compared header by header in
 * apps/api/test/cache/memory-hit-front.e2e.spec.ts: status, body, ETag/304, Cache-Control, Vary
 * (CORS's `Origin` included), security headers, X-Instance-Id, X-Request-Id, the general rate limit
 * keyed on the client address (X-Forwarded-For believed from trusted proxies only), request and
 * cache metrics under the same labels. Deliberately skipped: admission control (a hit from memory
 * costs less than the 503 that would refuse it, and is over before the next request is read) and the
 * slow-request log (nothing here waits).
 * Stale on overload (pattern: serve stale rather than refuse, like a CDN's stale-if-error): while
 * this instance turns anonymous reads away, an entry that expired less than
 * CACHE_STALE_ON_OVERLOAD_MS ago still answers, marked `X-Cache: stale`, instead of a 503. Its
 * refill would be refused anyway, so without this a hot page expiring under overload turned every
 * later read of it into a 503. Never an entry a write on this instance invalidated. A stale answer
 * also refreshes its entry in the background (stale-while-revalidate: one read through the cache
 * per entry at a time, at most MAX_REFRESHES_IN_FLIGHT), so a hot entry stays fresh for as long as
 * the overload lasts instead of lapsing after the grace.
 * Tested in apps/api/test/traffic/stale-on-overload.e2e.spec.ts.
 */
export class MemoryHitFront {
  private readonly trust: ReturnType<typeof proxyAddr.compile>;
  /** The headers every answer carries, as a flat [name, value, ...] list for writeHead. */
  private readonly commonHeaders: string[];
  /** URLs whose stale entry is being refreshed. */
  private readonly refreshing = new Set<string>();

  constructor(private readonly deps: MemoryHitFrontDeps) {
    this.trust = proxyAddr.compile(deps.trustedProxies);
    this.commonHeaders = Object.entries({
      'x-instance-id': deps.instanceId,
      ...deps.securityHeaders,
      // CORS adds `Vary: Origin` to every response (the allowlist is not static); the cached read adds Authorization.
      vary: 'Origin, Authorization',
      'cache-control': 'public, no-cache',
    }).flat();
  }

  /**
   * Answers the request and returns true, or returns false having done nothing. Never throws: it
   * runs in the server's request listener, where an exception would end the process; a fault before
   * anything was written leaves the request to Fastify.
   */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    try {
      return this.answerFromMemory(request, response);
    } catch {
      if (!response.headersSent) return false;
      response.destroy();
      return true;
    }
  }

  private answerFromMemory(request: IncomingMessage, response: ServerResponse): boolean {
    const started = performance.now();
    const headers = request.headers;
    if (request.method !== 'GET' || headers.authorization !== undefined || headers.origin !== undefined || headers[WARMUP_HEADER] !== undefined) return false;
    if (this.deps.lifecycle.isDraining) return false;
    const read = this.readFor(request.url ?? '');
    if (!read) return false;
    let cached = read.peek('fresh');
    let stale = false;
    if (!cached && this.deps.shedder.isShedding()) {
      cached = read.peek('stale');
      stale = cached !== undefined;
    }
    if (!cached) return false;
    if (!this.deps.rateLimit.allowsAnonymousLocally(proxyAddr(request, this.trust))) return false;

    const out = [...this.commonHeaders, 'x-request-id', requestIdOf(headers)];
    if (stale) {
      out.push('x-cache', 'stale');
      this.refreshInBackground(request.url ?? '', read);
    }
    let status = 200;
    if (cached.version === null) {
      out.push('content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(cached.body)));
    } else {
      const etag = `"${cached.version}"`;
      out.push('etag', etag);
      if (ifNoneMatch(headers['if-none-match'], etag)) status = 304;
      else out.push('content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(cached.body)));
    }
    response.writeHead(status, out);
    response.end(status === 304 ? undefined : cached.body);
    recordHttpResponse('GET', read.route, status, (performance.now() - started) / 1000);
    return true;
  }

  private refreshInBackground(url: string, read: MemoryRead): void {
    if (this.refreshing.has(url) || this.refreshing.size >= MAX_REFRESHES_IN_FLIGHT) return;
    this.refreshing.add(url);
    read
      .refresh()
      .catch(() => undefined) // a failed refresh leaves the stale entry to its grace
      .finally(() => this.refreshing.delete(url));
  }

  /** The cached read a URL names, if it is in a form the router would match the same way. */
  private readFor(url: string): MemoryRead | undefined {
    const d = this.deps;
    const at = url.indexOf('?');
    const path = at === -1 ? url : url.slice(0, at);
    if (path === '/api/tags') return { route: '/api/tags', peek: (f) => d.tags.peek(f), refresh: () => d.tags.get() };
    if (path === '/api/articles') {
      const query = knownListQuery(at === -1 ? '' : url.slice(at + 1));
      return query && { route: '/api/articles', peek: (f) => d.articles.peekAnonymousList(query, f), refresh: () => d.articles.list(query, undefined) };
    }
    const parts = path.split('/'); // ['', 'api', resource, segment, sub?]
    if (parts.length < 4 || parts[1] !== 'api' || !PLAIN_SEGMENT.test(parts[3])) return undefined;
    const [, , resource, segment, sub] = parts;
    if (resource === 'articles' && segment !== 'feed') {
      if (parts.length === 4) return { route: '/api/articles/:slug', peek: (f) => d.articles.peekAnonymous(segment, f), refresh: () => d.articles.get(segment, undefined) };
      if (parts.length === 5 && sub === 'comments') {
        return { route: '/api/articles/:slug/comments', peek: (f) => d.comments.peekAnonymous(segment, f), refresh: () => d.comments.list(segment, undefined) };
      }
    }
    if (resource === 'profiles' && parts.length === 4)
      return { route: '/api/profiles/:username', peek: (f) => d.profiles.peekAnonymous(segment, f), refresh: () => d.profiles.get(segment, undefined) };
    return undefined;
  }
}
