import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryHitFront } from '../../src/cache/memory-hit-front.js';
import { LifecycleService } from '../../src/lifecycle/lifecycle.service.js';
import { TagsCache } from '../../src/tags/tags.cache.js';
import { createArticle } from '../support/article-fixtures.js';
import { requestFrom, stableHeaders } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ORIGIN = 'http://memory-front.example';
/** Records what MemoryHitFront.answer returned for each request (both test apps of this file). */
const answer = vi.spyOn(MemoryHitFront.prototype, 'answer');
/** Whether the front answered each request since the last call. */
const answered = () => {
  const taken = answer.mock.results.map((r) => r.value as boolean);
  answer.mockClear();
  return taken;
};

/**
 * The memory-hit front (src/cache/memory-hit-front.ts) answers anonymous local hits before
 * Fastify. Every answer must be the one the Fastify path gives: an empty Authorization header
 * skips the front (it takes only requests without one) while Nest treats it as anonymous, so each
 * read is compared both ways. `answered` tells which requests the front took.
 */
describe('memory-hit front (e2e)', () => {
  let t: TestApp;
  let slug: string;
  let author: string;
  /** The value of one Prometheus sample line on /metrics (0 when absent). */
  const sample = async (prefix: string, ...parts: string[]) => {
    const metrics = String((await requestFrom('127.0.0.199', t.url, 'GET', '/metrics')).body);
    const line = metrics.split('\n').find((l) => l.startsWith(prefix) && parts.every((p) => l.includes(p)));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: ORIGIN });
    const writer = await new ApiClient(t.url).actingAsNewUser('memfront');
    author = writer.username;
    slug = (await createArticle(writer.client, { tagList: ['memfront'] })).slug;
    await writer.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'first' } });
  });
  afterAll(() => t?.close());

  it('answers the five cached reads from memory with the same status, headers and body as the Fastify path', async () => {
    answer.mockClear();
    const paths = ['/api/articles?limit=5', `/api/articles/${slug}`, `/api/articles/${slug}/comments`, '/api/tags', '/api/articles?tag=memfront', `/api/profiles/${author}`];
    for (const [i, path] of paths.entries()) {
      const ip = `127.0.0.${20 + i}`;
      // The first read fills the cache and the client's rate window (both through Fastify).
      const first = await requestFrom(ip, t.url, 'GET', path);
      const fromMemory = await requestFrom(ip, t.url, 'GET', path);
      const viaNest = await requestFrom(`127.0.0.${40 + i}`, t.url, 'GET', path, { headers: { authorization: '' } });
      expect(answered(), path).toEqual([false, true, false]);
      expect(fromMemory.status, path).toBe(200);
      expect(fromMemory.body, path).toEqual(viaNest.body);
      expect(fromMemory.body, path).toEqual(first.body);
      expect(stableHeaders(fromMemory), path).toEqual(stableHeaders(viaNest));
      expect(fromMemory.headers['x-content-type-options'], path).toBe('nosniff'); // helmet
      expect(fromMemory.headers.vary, path).toBe('Origin, Authorization'); // CORS's Vary kept
      expect(fromMemory.headers['x-instance-id'], path).toBeTruthy();
    }
  });

  it("keeps the server's timeouts (set by the app's server factory, not by Fastify)", () => {
    const server = t.app.getHttpServer();
    expect(server.keepAliveTimeout).toBe(t.config.KEEP_ALIVE_TIMEOUT_MS);
    expect(server.requestTimeout).toBe(t.config.REQUEST_TIMEOUT_MS);
  });

  it("keeps the caller's request id, answers 304 like the Fastify path, and sees this instance's writes at once", async () => {
    const path = `/api/articles/${slug}`;
    const ip = '127.0.0.60';
    const first = await requestFrom(ip, t.url, 'GET', path);
    const withId = await requestFrom(ip, t.url, 'GET', path, { headers: { 'x-request-id': 'memory-front-1' } });
    const etag = String(first.headers.etag);
    const notModified = await requestFrom(ip, t.url, 'GET', path, { headers: { 'if-none-match': etag } });
    const notModifiedViaNest = await requestFrom(ip, t.url, 'GET', path, { headers: { 'if-none-match': etag, authorization: '' } });
    expect(answered()).toEqual([false, true, true, false]);
    expect(withId.headers['x-request-id']).toBe('memory-front-1');
    expect(notModified.status).toBe(304);
    expect(notModified.body).toEqual(notModifiedViaNest.body); // none
    expect(stableHeaders(notModified)).toEqual(stableHeaders(notModifiedViaNest));

    // A favorite on this instance invalidates its in-process entry before the writer is answered.
    const reader = await new ApiClient(t.url).actingAsNewUser('memfront-fan');
    answer.mockClear();
    expect((await reader.client.post(`/api/articles/${slug}/favorite`, {})).status).toBe(200);
    const after = await requestFrom(ip, t.url, 'GET', path);
    const again = await requestFrom(ip, t.url, 'GET', path);
    expect(after.body.article.favoritesCount).toBe(first.body.article.favoritesCount + 1);
    expect(again.body).toEqual(after.body);
    expect(answered().slice(-2)).toEqual([false, true]); // refilled through Fastify, then from memory
  });

  it('leaves everything else to Fastify: cross-origin, signed-in, HEAD, feed, unvalidated queries, misses, encoded paths', async () => {
    const ip = '127.0.0.70';
    await requestFrom(ip, t.url, 'GET', '/api/tags');
    await requestFrom(ip, t.url, 'GET', `/api/articles/${slug}`);
    const reader = await new ApiClient(t.url).actingAsNewUser('memfront-reader');
    answer.mockClear();
    const crossOrigin = await requestFrom(ip, t.url, 'GET', '/api/tags', { headers: { origin: ORIGIN } });
    expect(crossOrigin.headers['access-control-allow-origin']).toBe(ORIGIN);
    const signedIn = await requestFrom(ip, t.url, 'GET', `/api/articles/${slug}`, { headers: { authorization: `Token ${reader.token}` } });
    expect(signedIn.headers['cache-control']).toBe('private, no-cache');
    expect((await requestFrom(ip, t.url, 'HEAD', '/api/tags')).status).toBe(200);
    expect((await requestFrom(ip, t.url, 'GET', '/api/articles/feed')).status).toBe(401);
    expect((await requestFrom(ip, t.url, 'GET', '/api/articles?limit=3&offset=1')).status).toBe(200); // first of its query string
    expect((await requestFrom(ip, t.url, 'GET', '/api/articles/no-such-article')).status).toBe(404);
    expect((await requestFrom(ip, t.url, 'GET', `/api/articles/${encodeURIComponent(slug).replace(/-/g, '%2D')}`)).status).toBe(200);
    expect((await requestFrom(ip, t.url, 'GET', '/api/tags/')).status).toBe(404);
    expect(answered()).toEqual(Array(8).fill(false));
    // The query string seen once (validated by the schema) is answered from memory the next time.
    expect((await requestFrom(ip, t.url, 'GET', '/api/articles?limit=3&offset=1')).status).toBe(200);
    expect(answered()).toEqual([true]);
  });

  it('records request and cache metrics under the same labels as the Fastify path', async () => {
    const requests = () => sample('http_requests_total{', 'route="/api/profiles/:username"', 'method="GET"', 'status_code="200"');
    const localHits = () => sample('cache_requests_total{', 'cache="profile"', 'layer="local"', 'result="hit"');
    const ip = '127.0.0.90';
    await requestFrom(ip, t.url, 'GET', `/api/profiles/${author}`);
    const [requestsBefore, hitsBefore] = [await requests(), await localHits()];
    answer.mockClear();
    for (let i = 0; i < 3; i++) expect((await requestFrom(ip, t.url, 'GET', `/api/profiles/${author}`)).status).toBe(200);
    expect(answered()).toEqual([true, true, true]);
    expect(await requests()).toBe(requestsBefore + 3);
    expect(await localHits()).toBe(hitsBefore + 3);
  });

  it('a fault in the front leaves the request to Fastify, which answers it', async () => {
    const ip = '127.0.0.93';
    await requestFrom(ip, t.url, 'GET', '/api/tags');
    const peek = vi.spyOn(TagsCache.prototype, 'peek').mockImplementation(() => {
      throw new Error('injected fault');
    });
    answer.mockClear();
    try {
      const res = await requestFrom(ip, t.url, 'GET', '/api/tags');
      expect(answered()).toEqual([false]);
      expect(peek).toHaveBeenCalledTimes(1);
      expect(res.status).toBe(200);
      expect(res.body.tags).toContain('memfront');
    } finally {
      peek.mockRestore();
    }
  });

  it('steps aside while the instance drains, so Fastify sends clients elsewhere with Connection: close', async () => {
    const ip = '127.0.0.95';
    await requestFrom(ip, t.url, 'GET', '/api/tags');
    answer.mockClear();
    t.app.get(LifecycleService).startDraining();
    const res = await requestFrom(ip, t.url, 'GET', '/api/tags');
    expect(answered()).toEqual([false]);
    expect(res.headers.connection).toBe('close');
  });
});

describe('memory-hit front and the general rate limit (e2e)', () => {
  let limited: TestApp;

  beforeAll(async () => {
    // 40 a window: each instance syncs with Redis every 2 hits, so the front answers every other one.
    limited = await startTestApp({ RATE_LIMIT_MAX: '40' });
  });
  afterAll(() => limited?.close());

  it('counts its answers against the general rate limit, keyed on the client address, with 429s from Fastify', async () => {
    const hammer = async (ip: string, forwardedFor?: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 45; i++) statuses.push((await requestFrom(ip, limited.url, 'GET', '/api/tags', { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} })).status);
      return statuses;
    };
    // A direct caller (not a trusted proxy) cannot pick its own bucket with X-Forwarded-For.
    const untrusted = await hammer('127.0.0.80', '198.51.100.1');
    expect(untrusted.slice(0, 38).every((s) => s === 200)).toBe(true);
    expect(untrusted.slice(-3)).toEqual([429, 429, 429]);
    expect(answered().some(Boolean)).toBe(true);
    // Through the load balancer (127.0.0.1 is trusted), each forwarded client has its own bucket.
    const a = await hammer('127.0.0.1', '203.0.113.7');
    expect(a.slice(-3)).toEqual([429, 429, 429]);
    expect((await requestFrom('127.0.0.1', limited.url, 'GET', '/api/tags', { headers: { 'x-forwarded-for': '203.0.113.8' } })).status).toBe(200);
    expect((await requestFrom('127.0.0.81', limited.url, 'GET', '/api/tags')).status).toBe(200);
  });
});
