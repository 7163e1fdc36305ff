import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Actor = Awaited<ReturnType<ApiClient['actingAsNewUser']>>;

/**
 * Invalidation is scoped to what a write changes (apps/api/src/cache/cache-invalidation.ts):
 * a write leaves unrelated cached pages warm (same version ETag, so the same entry) while every
 * page that shows the change is fresh at once. "Warm" is read from the ETag: it is the version
 * of the entry's tags, so an unchanged ETag means the entry was not invalidated.
 */
describe('scoped invalidation: a write leaves unrelated cached pages warm (e2e, real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let api: ApiClient;
  let alice: Actor;
  let bob: Actor;
  let reader: Actor;
  let bobSlug: string;
  let aliceSlug: string;

  const etag = async (path: string) => {
    const res = await api.get(path);
    expect(res.status).toBe(200);
    return res.headers.get('etag');
  };
  /** Unrelated pages: bob's tag, bob's author list, bob's article, a favorited list, GET /tags. */
  const unrelated = () => ['/api/articles?tag=scope-bob', `/api/articles?author=${bob.username}`, `/api/articles/${bobSlug}`, `/api/articles/${bobSlug}/comments`];
  async function warmTags(paths: string[]) {
    const before = new Map<string, string | null>();
    for (const path of paths) before.set(path, await etag(path));
    return async () => {
      for (const path of paths) expect(await etag(path), `${path} was invalidated`).toBe(before.get(path));
    };
  }

  beforeAll(async () => {
    t = await startTestApp();
    api = new ApiClient(t.url);
    alice = await api.actingAsNewUser('scope_alice');
    bob = await api.actingAsNewUser('scope_bob');
    reader = await api.actingAsNewUser('scope_reader');
    bobSlug = (await createArticle(bob.client, { title: 'Bob writes', tagList: ['scope-bob'] })).slug;
    aliceSlug = (await createArticle(alice.client, { title: 'Alice writes', tagList: ['scope-alice'] })).slug;
    expect((await reader.client.post(`/api/articles/${bobSlug}/favorite`)).status).toBe(200);
  });
  afterAll(() => t?.close());

  it('a new article: the global list, its tag and its author are fresh; other tags, authors and favorited lists stay warm', async () => {
    const stillWarm = await warmTags([...unrelated(), `/api/articles?favorited=${reader.username}`]);
    const created = await createArticle(alice.client, { title: 'Alice again', tagList: ['scope-alice'] });
    const slugs = async (path: string) => (await api.get(path)).body.articles.map((a: { slug: string }) => a.slug);
    expect(await slugs('/api/articles')).toContain(created.slug);
    expect(await slugs('/api/articles?tag=scope-alice')).toContain(created.slug);
    expect(await slugs(`/api/articles?author=${alice.username}`)).toContain(created.slug);
    expect((await api.get('/api/articles?tag=scope-alice')).body.articlesCount).toBe(2);
    await stillWarm();
  });

  it('GET /api/tags: warm after a create that reuses tags in use, fresh when a tag comes into use', async () => {
    const tagsWarm = await warmTags(['/api/tags']);
    await createArticle(bob.client, { title: 'Bob again', tagList: ['scope-alice', 'scope-bob'] });
    await tagsWarm();
    await etag('/api/tags');
    await createArticle(bob.client, { title: 'Bob starts a tag', tagList: ['scope-bob', 'scope-brand-new'] });
    expect((await api.get('/api/tags')).body.tags).toContain('scope-brand-new');
  });

  it("a favorite: the article, its lists and the favoriter's list are fresh; other tags and authors stay warm", async () => {
    const stillWarm = await warmTags(unrelated());
    await etag(`/api/articles?favorited=${reader.username}`);
    expect((await reader.client.post(`/api/articles/${aliceSlug}/favorite`)).status).toBe(200);
    expect((await api.get(`/api/articles/${aliceSlug}`)).body.article.favoritesCount).toBe(1);
    const tagged = (await api.get('/api/articles?tag=scope-alice')).body.articles.find((a: { slug: string }) => a.slug === aliceSlug);
    expect(tagged.favoritesCount).toBe(1);
    const favorited = (await api.get(`/api/articles?favorited=${reader.username}`)).body;
    expect(favorited.articles.map((a: { slug: string }) => a.slug)).toContain(aliceSlug);
    expect(favorited.articlesCount).toBe(2);
    await stillWarm();
  });

  it('a tag change on update: the old and the new tag are fresh; other tags stay warm', async () => {
    const stillWarm = await warmTags(unrelated());
    await etag('/api/articles?tag=scope-alice');
    await etag('/api/articles?tag=scope-new');
    expect((await alice.client.put(`/api/articles/${aliceSlug}`, { article: { tagList: ['scope-new'] } })).status).toBe(200);
    expect((await api.get('/api/articles?tag=scope-alice')).body.articles.map((a: { slug: string }) => a.slug)).not.toContain(aliceSlug);
    expect((await api.get('/api/articles?tag=scope-new')).body).toMatchObject({ articlesCount: 1, articles: [{ slug: aliceSlug }] });
    await stillWarm();
  });

  it('a comment, a follow: no article list is invalidated', async () => {
    const lists = ['/api/articles', '/api/articles?tag=scope-new', `/api/articles?author=${alice.username}`, ...unrelated().slice(0, 3)];
    const stillWarm = await warmTags(lists);
    expect((await reader.client.post(`/api/articles/${aliceSlug}/comments`, { comment: { body: 'hi' } })).status).toBe(200);
    expect((await reader.client.post(`/api/profiles/${alice.username}/follow`)).status).toBe(200);
    await stillWarm();
  });

  it('a delete: gone from its tag, author and favorited lists at once; other tags and authors stay warm', async () => {
    const stillWarm = await warmTags(unrelated().slice(0, 3));
    expect((await alice.client.delete(`/api/articles/${aliceSlug}`)).status).toBe(204);
    expect((await api.get('/api/articles?tag=scope-new')).body).toMatchObject({ articles: [], articlesCount: 0 });
    expect((await api.get(`/api/articles?favorited=${reader.username}`)).body.articles.map((a: { slug: string }) => a.slug)).not.toContain(aliceSlug);
    expect((await api.get(`/api/articles?author=${alice.username}`)).body.articlesCount).toBe(1);
    await stillWarm();
  });
});
