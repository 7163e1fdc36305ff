import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Actor = Awaited<ReturnType<ApiClient['actingAsNewUser']>>;

/** Reads twice and checks the second read was a cache hit (same version-derived ETag). */
async function primed(client: ApiClient, path: string) {
  const first = await client.get(path);
  const second = await client.get(path);
  expect(second.status).toBe(200);
  expect(second.headers.get('etag')).toBeTruthy();
  expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  return second;
}

describe('read cache over HTTP (e2e, real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let api: ApiClient;
  let author: Actor;
  let reader: Actor;

  beforeAll(async () => {
    t = await startTestApp();
    api = new ApiClient(t.url);
    author = await api.actingAsNewUser('author');
    reader = await api.actingAsNewUser('reader');
  });
  afterAll(() => t?.close());

  describe('ETag and Cache-Control', () => {
    it('anonymous: public + no-cache, Vary: Authorization, a stable version ETag and 304 on If-None-Match', async () => {
      await createArticle(author.client, { tagList: ['etag'] });
      for (const path of ['/api/articles', '/api/articles?tag=etag', '/api/tags', `/api/profiles/${author.username}`]) {
        const res = await primed(api, path);
        expect(res.headers.get('cache-control')).toBe('public, no-cache');
        expect(res.headers.get('vary')).toMatch(/authorization/i);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const etag = res.headers.get('etag')!;
        const notModified = await api.get(path, { 'if-none-match': etag });
        expect(notModified.status).toBe(304);
        expect(notModified.body).toBeUndefined();
        expect(notModified.headers.get('etag')).toBe(etag);
        expect((await api.get(path, { 'if-none-match': '"something-else"' })).status).toBe(200);
      }
    });

    it("signed in: private + no-cache and an ETag of its own, never 304 on another user's ETag", async () => {
      const path = '/api/articles';
      const mine = await primed(reader.client, path);
      expect(mine.headers.get('cache-control')).toBe('private, no-cache');
      const etag = mine.headers.get('etag')!;
      expect((await reader.client.get(path, { 'if-none-match': etag })).status).toBe(304);
      const anonymousEtag = (await api.get(path)).headers.get('etag')!;
      expect(etag).not.toBe(anonymousEtag);
      expect((await author.client.get(path, { 'if-none-match': etag })).status).toBe(200);
      expect((await api.get(path, { 'if-none-match': etag })).status).toBe(200);
    });

    it('a write changes the ETag (the old one no longer gives 304)', async () => {
      const path = '/api/articles?tag=etag';
      const before = (await primed(api, path)).headers.get('etag')!;
      await createArticle(author.client, { tagList: ['etag'] });
      const after = await api.get(path, { 'if-none-match': before });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(before);
    });
  });

  it("never serves one viewer's flags to another", async () => {
    const { slug } = await createArticle(author.client, { tagList: ['flags'] });
    await primed(api, `/api/articles/${slug}`);
    expect((await reader.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await reader.client.post(`/api/profiles/${author.username}/follow`)).status).toBe(200);
    const asReader = await reader.client.get(`/api/articles/${slug}`);
    expect(asReader.body.article).toMatchObject({ favorited: true, favoritesCount: 1, author: { following: true } });
    const asAuthor = await author.client.get(`/api/articles/${slug}`);
    expect(asAuthor.body.article).toMatchObject({ favorited: false, favoritesCount: 1, author: { following: false } });
    const asAnonymous = await api.get(`/api/articles/${slug}`);
    expect(asAnonymous.body.article).toMatchObject({ favorited: false, favoritesCount: 1, author: { following: false } });
    const list = await reader.client.get('/api/articles?tag=flags');
    expect(list.body.articles[0]).toMatchObject({ slug, favorited: true, author: { following: true } });
    expect((await api.get('/api/articles?tag=flags')).body.articles[0]).toMatchObject({ favorited: false, author: { following: false } });
    await reader.client.delete(`/api/profiles/${author.username}/follow`);
  });

  describe('no stale read after each kind of write (writer, then anonymous, same instance)', () => {
    it('create article: lists, tags', async () => {
      await primed(author.client, `/api/articles?author=${author.username}`);
      await primed(api, '/api/articles?limit=100');
      await primed(api, '/api/tags');
      const created = await createArticle(author.client, { title: 'Fresh create', tagList: ['brand-new-tag'] });
      expect((await author.client.get(`/api/articles?author=${author.username}`)).body.articles[0].slug).toBe(created.slug);
      expect((await api.get('/api/articles?limit=100')).body.articles.map((a: { slug: string }) => a.slug)).toContain(created.slug);
      expect((await api.get('/api/tags')).body.tags).toContain('brand-new-tag');
    });

    it('update article: new slug, old slug gone, lists and tags follow', async () => {
      const { slug } = await createArticle(author.client, { title: 'Before update', tagList: ['old-tag-x'] });
      await primed(api, `/api/articles/${slug}`);
      await primed(author.client, `/api/articles/${slug}`);
      await primed(api, '/api/articles?tag=old-tag-x');
      await primed(api, '/api/tags');
      const res = await author.client.put(`/api/articles/${slug}`, { article: { title: 'After update', body: 'new body', tagList: ['new-tag-x'] } });
      expect(res.status).toBe(200);
      const newSlug = res.body.article.slug as string;
      expect(newSlug).not.toBe(slug);
      expect((await author.client.get(`/api/articles/${slug}`)).status).toBe(404);
      expect((await api.get(`/api/articles/${slug}`)).status).toBe(404);
      expect((await author.client.get(`/api/articles/${newSlug}`)).body.article).toMatchObject({ title: 'After update', body: 'new body' });
      expect((await api.get(`/api/articles/${newSlug}`)).body.article.body).toBe('new body');
      expect((await api.get('/api/articles?tag=old-tag-x')).body.articles).toEqual([]);
      const tags = (await api.get('/api/tags')).body.tags;
      expect(tags).toContain('new-tag-x');
      expect(tags).not.toContain('old-tag-x');
    });

    it('update article body only (same slug)', async () => {
      const { slug } = await createArticle(author.client, { title: 'Same slug', body: 'v1' });
      await primed(api, `/api/articles/${slug}`);
      await primed(author.client, `/api/articles/${slug}`);
      expect((await author.client.put(`/api/articles/${slug}`, { article: { body: 'v2' } })).status).toBe(200);
      expect((await author.client.get(`/api/articles/${slug}`)).body.article.body).toBe('v2');
      expect((await api.get(`/api/articles/${slug}`)).body.article.body).toBe('v2');
    });

    it('delete article: 404, gone from lists', async () => {
      const { slug } = await createArticle(author.client, { tagList: ['doomed-tag'] });
      await primed(api, `/api/articles/${slug}`);
      await primed(api, '/api/articles?tag=doomed-tag');
      await primed(author.client, `/api/articles?author=${author.username}`);
      expect((await author.client.delete(`/api/articles/${slug}`)).status).toBe(204);
      expect((await api.get(`/api/articles/${slug}`)).status).toBe(404);
      expect((await author.client.get(`/api/articles/${slug}`)).status).toBe(404);
      expect((await api.get('/api/articles?tag=doomed-tag')).body).toMatchObject({ articles: [], articlesCount: 0 });
      expect((await author.client.get(`/api/articles?author=${author.username}`)).body.articles.map((a: { slug: string }) => a.slug)).not.toContain(slug);
      expect((await api.get('/api/tags')).body.tags).not.toContain('doomed-tag');
    });

    it('favorite and unfavorite: flag for the writer, count for everyone', async () => {
      const { slug } = await createArticle(author.client, { tagList: ['fav-x'] });
      await primed(reader.client, `/api/articles/${slug}`);
      await primed(reader.client, '/api/articles?tag=fav-x');
      await primed(api, `/api/articles/${slug}`);
      await primed(api, `/api/articles?favorited=${reader.username}`);
      await reader.client.post(`/api/articles/${slug}/favorite`);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
      expect((await reader.client.get('/api/articles?tag=fav-x')).body.articles[0]).toMatchObject({ favorited: true, favoritesCount: 1 });
      expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(1);
      expect((await api.get(`/api/articles?favorited=${reader.username}`)).body.articles.map((a: { slug: string }) => a.slug)).toContain(slug);
      await reader.client.delete(`/api/articles/${slug}/favorite`);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
      expect((await reader.client.get('/api/articles?tag=fav-x')).body.articles[0]).toMatchObject({ favorited: false, favoritesCount: 0 });
      expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(0);
    });

    it('follow and unfollow: profile, article author and list flags for the writer', async () => {
      const { slug } = await createArticle(author.client, { tagList: ['follow-x'] });
      const profile = `/api/profiles/${author.username}`;
      await primed(reader.client, profile);
      await primed(reader.client, `/api/articles/${slug}`);
      await primed(reader.client, '/api/articles?tag=follow-x');
      await reader.client.post(`${profile}/follow`);
      expect((await reader.client.get(profile)).body.profile.following).toBe(true);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article.author.following).toBe(true);
      expect((await reader.client.get('/api/articles?tag=follow-x')).body.articles[0].author.following).toBe(true);
      expect((await reader.client.get('/api/articles/feed')).body.articles.map((a: { slug: string }) => a.slug)).toContain(slug);
      await reader.client.delete(`${profile}/follow`);
      expect((await reader.client.get(profile)).body.profile.following).toBe(false);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article.author.following).toBe(false);
      expect((await reader.client.get('/api/articles?tag=follow-x')).body.articles[0].author.following).toBe(false);
    });

    it('comment: the writer and everyone see it at once; following flags per viewer', async () => {
      const { slug } = await createArticle(author.client);
      const path = `/api/articles/${slug}/comments`;
      await primed(reader.client, path);
      await primed(api, path);
      const created = await reader.client.post(path, { comment: { body: 'first!' } });
      expect(created.status).toBe(200);
      expect((await reader.client.get(path)).body.comments.map((c: { body: string }) => c.body)).toEqual(['first!']);
      expect((await primed(api, path)).body.comments).toHaveLength(1);
      // author follows the commenter: only the author sees following: true
      await author.client.post(`/api/profiles/${reader.username}/follow`);
      expect((await author.client.get(path)).body.comments[0].author).toMatchObject({ username: reader.username, following: true });
      expect((await api.get(path)).body.comments[0].author.following).toBe(false);
      expect((await reader.client.get(path)).body.comments[0].author.following).toBe(false);
      await author.client.delete(`/api/profiles/${reader.username}/follow`);
      expect((await reader.client.delete(`${path}/${created.body.comment.id}`)).status).toBe(204);
      expect((await api.get(path)).body.comments).toEqual([]);
      expect((await reader.client.get(path)).body.comments).toEqual([]);
      expect((await api.get(`/api/articles/no-such-article-${Date.now()}/comments`)).status).toBe(404);
    });

    it('user update (bio, image, username): profiles and embedded authors', async () => {
      const writer = await api.actingAsNewUser('renamed');
      const { slug } = await createArticle(writer.client, { tagList: ['rename-x'] });
      await primed(api, `/api/profiles/${writer.username}`);
      await primed(api, `/api/articles/${slug}`);
      await primed(api, '/api/articles?tag=rename-x');
      const newName = `${writer.username}_2`;
      const res = await writer.client.put('/api/user', { user: { bio: 'new bio', username: newName } });
      expect(res.status).toBe(200);
      expect((await api.get(`/api/profiles/${writer.username}`)).status).toBe(404);
      expect((await api.get(`/api/profiles/${newName}`)).body.profile).toMatchObject({ username: newName, bio: 'new bio' });
      expect((await api.get(`/api/articles/${slug}`)).body.article.author).toMatchObject({ username: newName, bio: 'new bio' });
      expect((await api.get('/api/articles?tag=rename-x')).body.articles[0].author.username).toBe(newName);
    });
  });
});

describe('read cache across two instances sharing Redis (e2e)', () => {
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp({ CACHE_LOCAL_TTL_MS: '1000' });
    two = await startTestApp({ DATABASE_URL: one.db.url, REDIS_KEY_PREFIX: one.config.REDIS_KEY_PREFIX, INSTANCE_ID: 'api-2', CACHE_LOCAL_TTL_MS: '1000' });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('the writer sees the write at once on the other instance; anonymous readers there within the local TTL', async () => {
    const a1 = new ApiClient(one.url);
    const a2 = new ApiClient(two.url);
    const writer = await a1.actingAsNewUser('w');
    const { slug } = await createArticle(writer.client, { body: 'v1' });
    const writerOnTwo = writer.client.as(writer.token);
    const viaTwo = new ApiClient(two.url, writer.token);
    await primed(viaTwo, `/api/articles/${slug}`);
    await primed(a2, `/api/articles/${slug}`);
    expect(writerOnTwo.baseUrl).toBe(one.url);

    expect((await writer.client.put(`/api/articles/${slug}`, { article: { body: 'v2' } })).status).toBe(200); // via instance one
    expect((await viaTwo.get(`/api/articles/${slug}`)).body.article.body).toBe('v2'); // writer via instance two: at once
    // Anonymous on instance two: its in-process copy may live up to CACHE_LOCAL_TTL_MS (1 s).
    const deadline = Date.now() + 10_000;
    let body = '';
    while (Date.now() < deadline) {
      body = (await a2.get(`/api/articles/${slug}`)).body.article.body;
      if (body === 'v2') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('v2');
  });
});
