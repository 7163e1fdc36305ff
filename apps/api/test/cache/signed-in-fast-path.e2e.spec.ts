import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthGuard } from '../../src/auth/auth.guard.js';
import { RateLimitGuard } from '../../src/traffic/rate-limit.guard.js';
import { createArticle } from '../support/article-fixtures.js';
import { requestFrom, type RawResponse } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Actor = Awaited<ReturnType<ApiClient['actingAsNewUser']>>;

const ORIGIN = 'http://fast-path.example';

/**
 * Signed-in cached reads on the fast path (src/cache/cached-read.fast-path.ts): a valid token is
 * answered without the Nest pipeline, with the viewer's own flags, a per-viewer ETag, `private`
 * caching and the user's rate-limit bucket; anything the AuthGuard would refuse still reaches Nest
 * and gets its usual answer.
 */
describe('signed-in read fast path (e2e)', () => {
  let t: TestApp;
  let author: Actor;
  let reader: Actor;
  let slug: string;
  const auth = (token: string) => ({ authorization: `Token ${token}`, origin: ORIGIN });

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '30', CORS_ORIGINS: ORIGIN });
    const api = new ApiClient(t.url);
    author = await api.actingAsNewUser('sfp_author');
    reader = await api.actingAsNewUser('sfp_reader');
    slug = (await createArticle(author.client, { tagList: ['signedfast'] })).slug;
    expect((await author.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'hello' } })).status).toBe(200);
    expect((await reader.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await reader.client.post(`/api/profiles/${author.username}/follow`)).status).toBe(200);
  });
  afterAll(() => t?.close());

  it("serves the cached reads without Nest's guards, with the viewer's flags, a per-viewer ETag and private caching", async () => {
    const guards = [vi.spyOn(AuthGuard.prototype, 'canActivate'), vi.spyOn(t.app.get(RateLimitGuard), 'canActivate')];
    const reads: Array<[string, (body: any) => boolean[]]> = [
      ['/api/articles?tag=signedfast', (b) => [b.articles[0].favorited, b.articles[0].author.following]],
      [`/api/articles/${slug}`, (b) => [b.article.favorited, b.article.author.following]],
      [`/api/articles/${slug}/comments`, (b) => [b.comments[0].author.following]],
      [`/api/profiles/${author.username}`, (b) => [b.profile.following]],
    ];
    for (const [i, [path, flags]] of reads.entries()) {
      const mine = await requestFrom(`127.0.0.${170 + i}`, t.url, 'GET', path, { headers: auth(reader.token) });
      expect(mine.status, path).toBe(200);
      expect(flags(mine.body), path).toEqual(flags(mine.body).map(() => true));
      expect(mine.headers['cache-control']).toBe('private, no-cache');
      expect(String(mine.headers.vary)).toMatch(/authorization/i);
      expect(String(mine.headers.etag)).toMatch(/^"u\d+-/);
      expect(mine.headers['access-control-allow-origin']).toBe(ORIGIN); // CORS
      expect(mine.headers['x-content-type-options']).toBe('nosniff'); // helmet
      const anonymous = await requestFrom(`127.0.0.${180 + i}`, t.url, 'GET', path);
      expect(flags(anonymous.body), path).toEqual(flags(mine.body).map(() => false));
      // Same document apart from the viewer's flags.
      expect(JSON.stringify(mine.body).replaceAll('"favorited":true', '"favorited":false').replaceAll('"following":true', '"following":false'), path).toBe(JSON.stringify(anonymous.body));
      const notModified = await requestFrom(`127.0.0.${170 + i}`, t.url, 'GET', path, { headers: { ...auth(reader.token), 'if-none-match': String(mine.headers.etag) } });
      expect(notModified.status, path).toBe(304);
      // Another viewer's ETag never matches.
      expect((await requestFrom(`127.0.0.${170 + i}`, t.url, 'GET', path, { headers: { ...auth(author.token), 'if-none-match': String(mine.headers.etag) } })).status).toBe(200);
    }
    for (const guard of guards) expect(guard).not.toHaveBeenCalled();
    for (const guard of guards) guard.mockRestore();
  });

  it('a token the AuthGuard refuses gets the same 401 from Nest; an empty header is anonymous (Nest); tags ignore the token', async () => {
    const guard = vi.spyOn(AuthGuard.prototype, 'canActivate');
    const forged = `${reader.token.slice(0, -4)}AAAA`;
    for (const header of [`Token ${forged}`, 'Token not-a-jwt', 'Basic abc']) {
      const res = await requestFrom('127.0.0.190', t.url, 'GET', `/api/articles/${slug}`, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      expect(res.body, header).toEqual({ errors: { token: [expect.any(String)] } });
    }
    expect(guard).toHaveBeenCalledTimes(3);
    const empty = await requestFrom('127.0.0.190', t.url, 'GET', `/api/articles/${slug}`, { headers: { authorization: '' } });
    expect(empty.status).toBe(200);
    expect(empty.body.article.favorited).toBe(false);
    expect(guard).toHaveBeenCalledTimes(4);
    const tags = await requestFrom('127.0.0.190', t.url, 'GET', '/api/tags', { headers: { authorization: `Token ${forged}` } });
    expect(tags.status).toBe(200);
    expect(tags.headers['cache-control']).toBe('public, no-cache');
    guard.mockRestore();
  });

  it("a viewer's own unfavorite and unfollow show in their next fast-path read", async () => {
    expect((await reader.client.delete(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: false, author: { following: true } });
    expect((await reader.client.delete(`/api/profiles/${author.username}/follow`)).status).toBe(200);
    expect((await reader.client.get(`/api/profiles/${author.username}`)).body.profile.following).toBe(false);
    expect((await reader.client.get('/api/articles?tag=signedfast')).body.articles[0]).toMatchObject({ favorited: false, author: { following: false } });
  });

  it("counts signed-in fast-path reads against the user's general limit, whatever the address: 429 + Retry-After", async () => {
    const user = await new ApiClient(t.url).actingAsNewUser('sfp_limited');
    const statuses: number[] = [];
    let limited: RawResponse | undefined;
    for (let i = 0; i < 35; i++) {
      const res = await requestFrom(`127.0.0.${200 + (i % 5)}`, t.url, 'GET', i % 2 ? `/api/profiles/${author.username}` : '/api/articles?limit=2', { headers: auth(user.token) });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    // Registration counted against the address, not the user: 30 reads pass, the rest are limited.
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429, 429, 429, 429]);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toEqual({ errors: { rate: [expect.stringMatching(/^too many requests, retry in \d+ s$/)] } });
  });
});
