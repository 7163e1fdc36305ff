import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_8601, createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('article lists: filters, pagination, feed (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let api: ApiClient;
  let alice: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  let bob: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  let carol: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  const aliceSlugs: string[] = [];
  const bobSlugs: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    api = new ApiClient(t.url);
    [alice, bob, carol] = await Promise.all([api.actingAsNewUser('alice'), api.actingAsNewUser('bob'), api.actingAsNewUser('carol')]);
    // Created one after another: distinct, increasing created_at (ids break any tie).
    for (let i = 0; i < 7; i++) aliceSlugs.push((await createArticle(alice.client, { title: `Alice ${i}`, tagList: i % 2 ? ['odd', 'alice'] : ['even', 'alice'] })).slug);
    for (let i = 0; i < 5; i++) bobSlugs.push((await createArticle(bob.client, { title: `Bob ${i}`, tagList: ['bob'] })).slug);
  });
  afterAll(() => t?.close());

  it('lists newest first with articlesCount and the list shape (no body)', async () => {
    const res = await api.get('/api/articles');
    expect(res.status).toBe(200);
    expect(res.body.articlesCount).toBe(12);
    expect(res.body.articles.map((a: { slug: string }) => a.slug)).toEqual([...bobSlugs].reverse().concat([...aliceSlugs].reverse()));
    const first = res.body.articles[0];
    expect(Object.keys(first).sort()).toEqual(['author', 'createdAt', 'description', 'favorited', 'favoritesCount', 'slug', 'tagList', 'title', 'updatedAt']);
    expect(first.createdAt).toMatch(ISO_8601);
    expect(first.author).toEqual({ username: bob.username, bio: null, image: null, following: false });
  });

  it('filters by author, tag and favorited user (unknown names give an empty page, not an error)', async () => {
    const byAuthor = await api.get(`/api/articles?author=${alice.username}`);
    expect(byAuthor.body.articlesCount).toBe(7);
    expect(byAuthor.body.articles.every((a: { author: { username: string } }) => a.author.username === alice.username)).toBe(true);

    const byTag = await api.get('/api/articles?tag=odd');
    expect(byTag.body.articlesCount).toBe(3);
    expect(byTag.body.articles.map((a: { slug: string }) => a.slug)).toEqual([aliceSlugs[5], aliceSlugs[3], aliceSlugs[1]]);
    expect(byTag.body.articles[0].tagList).toEqual(['alice', 'odd']);

    const combined = await api.get(`/api/articles?tag=bob&author=${alice.username}`);
    expect(combined.body).toEqual({ articles: [], articlesCount: 0 });

    await carol.client.post(`/api/articles/${aliceSlugs[0]}/favorite`);
    await carol.client.post(`/api/articles/${bobSlugs[4]}/favorite`);
    const favorited = await api.get(`/api/articles?favorited=${carol.username}`);
    expect(favorited.body.articlesCount).toBe(2);
    expect(favorited.body.articles.map((a: { slug: string }) => a.slug)).toEqual([bobSlugs[4], aliceSlugs[0]]);
    expect(favorited.body.articles[0]).toMatchObject({ favoritesCount: 1, favorited: false });
    const favoritedSignedIn = await carol.client.get(`/api/articles?favorited=${carol.username}`);
    expect(favoritedSignedIn.body.articles.map((a: { favorited: boolean }) => a.favorited)).toEqual([true, true]);

    for (const q of ['author=nobody', 'tag=nothing', 'favorited=nobody']) {
      const res = await api.get(`/api/articles?${q}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ articles: [], articlesCount: 0 });
    }
    expect((await api.get('/api/articles?tag=')).body.articlesCount).toBe(12);
  });

  it('paginates with limit/offset: pages are disjoint, complete and stable', async () => {
    const all = (await api.get('/api/articles?limit=100')).body.articles.map((a: { slug: string }) => a.slug);
    const paged: string[] = [];
    for (let offset = 0; offset < 12; offset += 5) {
      const res = await api.get(`/api/articles?limit=5&offset=${offset}`);
      expect(res.body.articlesCount).toBe(12);
      paged.push(...res.body.articles.map((a: { slug: string }) => a.slug));
    }
    expect(paged).toEqual(all);
    const again = (await api.get('/api/articles?limit=5&offset=5')).body.articles.map((a: { slug: string }) => a.slug);
    expect(again).toEqual(all.slice(5, 10));
    const past = await api.get('/api/articles?offset=1000');
    expect(past.body).toEqual({ articles: [], articlesCount: 12 });
    expect((await api.get('/api/articles?limit=1')).body.articles).toHaveLength(1);
  });

  it('keeps pages stable when articles share the same created_at (ties broken by id)', async () => {
    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const author = await api.actingAsNewUser('ties');
      const slugs = [];
      for (let i = 0; i < 6; i++) slugs.push((await createArticle(author.client, { tagList: ['tie'] })).slug);
      await db.query(`UPDATE articles SET created_at = '2020-01-01T00:00:00Z' WHERE slug = ANY($1)`, [slugs]);
      const pages = [];
      for (let offset = 0; offset < 6; offset += 2) pages.push(...(await api.get(`/api/articles?tag=tie&limit=2&offset=${offset}`)).body.articles.map((a: { slug: string }) => a.slug));
      expect(pages).toEqual([...slugs].reverse());
    } finally {
      await db.end();
    }
  });

  it.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=-1'],
    ['limit=abc'],
    ['limit=1.5'],
    ['limit=1e3'],
    ['limit=99999999999999999999'],
    ['offset=-1'],
    ['offset=x'],
    ['offset=10001'],
    ['offset=99999999999999999999'],
    ['limit=1&limit=2'],
    ['unknown=1'],
  ])('rejects %s with 422 (never 5xx)', async (query) => {
    const res = await api.get(`/api/articles?${query}`);
    expect(res.status).toBe(422);
    expect(res.body.errors).toBeTypeOf('object');
  });

  it('names the offending parameter in the error', async () => {
    expect((await api.get('/api/articles?limit=0')).body.errors).toEqual({ limit: ['must be an integer between 1 and 100'] });
    expect((await api.get('/api/articles?offset=-5')).body.errors).toEqual({ offset: ['must be an integer between 0 and 10000'] });
    expect((await alice.client.get('/api/articles/feed?limit=500')).status).toBe(422);
  });

  it('feed: articles of followed authors only, newest first, with following=true', async () => {
    const dave = await api.actingAsNewUser('dave');
    const empty = await dave.client.get('/api/articles/feed');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ articles: [], articlesCount: 0 });

    expect((await dave.client.post(`/api/profiles/${bob.username}/follow`)).status).toBe(200);
    const feed = await dave.client.get('/api/articles/feed?limit=3');
    expect(feed.body.articlesCount).toBe(5);
    expect(feed.body.articles.map((a: { slug: string }) => a.slug)).toEqual([bobSlugs[4], bobSlugs[3], bobSlugs[2]]);
    expect(feed.body.articles.every((a: { author: { following: boolean } }) => a.author.following)).toBe(true);
    const rest = await dave.client.get('/api/articles/feed?limit=3&offset=3');
    expect(rest.body.articles.map((a: { slug: string }) => a.slug)).toEqual([bobSlugs[1], bobSlugs[0]]);

    // The global list shows the same flag for the followed author only.
    const global = await dave.client.get('/api/articles?limit=100');
    for (const a of global.body.articles) expect(a.author.following).toBe(a.author.username === bob.username);

    await dave.client.delete(`/api/profiles/${bob.username}/follow`);
    expect((await dave.client.get('/api/articles/feed')).body.articlesCount).toBe(0);
  });
});
