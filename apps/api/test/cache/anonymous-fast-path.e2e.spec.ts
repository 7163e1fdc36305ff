import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RateLimitGuard } from '../../src/traffic/rate-limit.guard.js';
import { createArticle } from '../support/article-fixtures.js';
import { requestFrom, stableHeaders, type RawResponse } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ORIGIN = 'http://fast-path.example';

/**
 * The anonymous fast path (src/cache/cached-read.fast-path.ts) must answer exactly as the Nest
 * pipeline does. An empty Authorization header takes the Nest path (the fast path only takes
 * requests without one) while Nest still treats it as anonymous, so each read is compared both ways.
 */
describe('anonymous read fast path (e2e)', () => {
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '40', CORS_ORIGINS: ORIGIN });
    const author = await new ApiClient(t.url).actingAsNewUser('fastpath');
    slug = (await createArticle(author.client, { tagList: ['fastpath'] })).slug;
  });
  afterAll(() => t?.close());

  it('serves the four cached reads without the Nest handler, with the same status, headers and body as Nest', async () => {
    // Nest calls the global guard's canActivate for every request it routes.
    const guard = vi.spyOn(t.app.get(RateLimitGuard), 'canActivate');
    const paths = ['/api/articles?limit=5', `/api/articles/${slug}`, `/api/articles/${slug}/comments`, '/api/tags', '/api/articles?tag=fastpath'];
    for (const [i, path] of paths.entries()) {
      const ip = `127.0.0.${120 + i}`;
      const viaNest = await requestFrom(ip, t.url, 'GET', path, { headers: { authorization: '', origin: ORIGIN } });
      const fast = await requestFrom(`127.0.0.${130 + i}`, t.url, 'GET', path, { headers: { origin: ORIGIN } });
      expect(fast.status, path).toBe(200);
      expect(fast.body, path).toEqual(viaNest.body);
      expect(stableHeaders(fast), path).toEqual(stableHeaders(viaNest));
      expect(fast.headers['x-content-type-options']).toBe('nosniff'); // helmet
      expect(fast.headers['access-control-allow-origin']).toBe(ORIGIN); // CORS
      expect(fast.headers.vary).toBe('Origin, Authorization'); // CORS's Vary kept
      expect(fast.headers['x-instance-id']).toBeTruthy();
    }
    // The Nest pipeline ran only for the requests with an Authorization header.
    expect(guard.mock.calls.length).toBe(paths.length);
    guard.mockRestore();
  });

  it('keeps request ids, ETag/304, and the RealWorld error shapes (404 here, 422 from Nest for a bad query)', async () => {
    const first = await requestFrom('127.0.0.140', t.url, 'GET', `/api/articles/${slug}`, { headers: { 'x-request-id': 'fast-path-1' } });
    expect(first.headers['x-request-id']).toBe('fast-path-1');
    const etag = String(first.headers.etag);
    const again = await requestFrom('127.0.0.140', t.url, 'GET', `/api/articles/${slug}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const missing = await requestFrom('127.0.0.140', t.url, 'GET', '/api/articles/no-such-article-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: { article: ['not found'] } });
    const bad = await requestFrom('127.0.0.140', t.url, 'GET', '/api/articles?limit=-3');
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.errors).length).toBeGreaterThan(0);
  });

  it('counts fast-path reads against the general rate limit: 429 + Retry-After once the address used its budget', async () => {
    const statuses: number[] = [];
    let limited: RawResponse | undefined;
    for (let i = 0; i < 45; i++) {
      const res = await requestFrom('127.0.0.150', t.url, 'GET', i % 2 ? '/api/tags' : '/api/articles?limit=2');
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.slice(0, 38).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toEqual({ errors: { rate: [expect.stringMatching(/^too many requests, retry in \d+ s$/)] } });
  });

  it('records metrics under the route template', async () => {
    const count = async () => {
      const metrics = String((await requestFrom('127.0.0.160', t.url, 'GET', '/metrics')).body);
      const line = metrics.split('\n').find((l) => l.startsWith('http_requests_total{') && l.includes('route="/api/articles/:slug"') && l.includes('method="GET"') && l.includes('status_code="200"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    for (let i = 0; i < 3; i++) expect((await requestFrom('127.0.0.160', t.url, 'GET', `/api/articles/${slug}`)).status).toBe(200);
    expect(await count()).toBe(before + 3);
  });
});
