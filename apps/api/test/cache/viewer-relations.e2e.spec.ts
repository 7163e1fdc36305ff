import { ApiClient } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Actor = Awaited<ReturnType<ApiClient['actingAsNewUser']>>;

/** With this cap, a viewer with 4 favorites is past it; 3 are not. */
const RELATIONS_MAX = 3;

/**
 * A signed-in viewer's flags (`favorited`, `following`) come from one cached entry per viewer:
 * their follows and favorites (apps/api/src/cache/viewer-overlay.cache.ts). Counted through the
 * app's own /metrics: how often that entry was computed from PostgreSQL.
 */
describe('signed-in flags from one cached entry per viewer (e2e, real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let api: ApiClient;
  let author: Actor;
  let reader: Actor;
  let other: Actor;
  let tag: string;
  let slug: string;

  /** cache_computations_total{kind="personal"} summed over the caches. */
  const flagComputations = async () => {
    const text = (await api.get('/metrics')).body as string;
    return text
      .split('\n')
      .filter((l) => l.startsWith('cache_computations_total{') && l.includes('kind="personal"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  /** Every page the reader sees the article on, with the flags each shows. */
  const flagsSeenBy = async (viewer: Actor, articleSlug: string) => {
    const list = await viewer.client.get(`/api/articles?tag=${tag}`);
    const article = await viewer.client.get(`/api/articles/${articleSlug}`);
    const comments = await viewer.client.get(`/api/articles/${articleSlug}/comments`);
    const profile = await viewer.client.get(`/api/profiles/${author.username}`);
    for (const res of [list, article, comments, profile]) expect(res.status).toBe(200);
    const inList = list.body.articles.find((a: { slug: string }) => a.slug === articleSlug);
    return {
      list: { favorited: inList.favorited, following: inList.author.following, favoritesCount: inList.favoritesCount },
      article: { favorited: article.body.article.favorited, following: article.body.article.author.following, favoritesCount: article.body.article.favoritesCount },
      comment: comments.body.comments[0]?.author.following as boolean | undefined,
      profile: profile.body.profile.following,
    };
  };

  beforeAll(async () => {
    t = await startTestApp({ CACHE_VIEWER_RELATIONS_MAX: String(RELATIONS_MAX) });
    api = new ApiClient(t.url);
    author = await api.actingAsNewUser('relauthor');
    reader = await api.actingAsNewUser('relreader');
    other = await api.actingAsNewUser('relother');
    tag = `rel${randomBytes(3).toString('hex')}`;
    ({ slug } = await createArticle(author.client, { tagList: [tag] }));
    expect((await author.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'first' } })).status).toBe(200);
  });
  afterAll(() => t?.close());

  it('computes the entry once for a list, an article, its comments and a profile', async () => {
    expect((await reader.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await reader.client.post(`/api/profiles/${author.username}/follow`)).status).toBe(200);
    const before = await flagComputations();
    expect(await flagsSeenBy(reader, slug)).toEqual({
      list: { favorited: true, following: true, favoritesCount: 1 },
      article: { favorited: true, following: true, favoritesCount: 1 },
      comment: true,
      profile: true,
    });
    expect(await flagComputations()).toBe(before + 1);
    // The same pages again: all from Redis.
    await flagsSeenBy(reader, slug);
    expect(await flagComputations()).toBe(before + 1);
  });

  it("others' writes leave it alone; the viewer's own write shows on every page at once, computed once", async () => {
    await flagsSeenBy(reader, slug);
    const before = await flagComputations();
    // Another user's favorite changes the shared pages (favoritesCount), not the reader's entry.
    expect((await other.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    const afterOther = await flagsSeenBy(reader, slug);
    expect(afterOther.article).toEqual({ favorited: true, following: true, favoritesCount: 2 });
    expect(afterOther.list).toEqual({ favorited: true, following: true, favoritesCount: 2 });
    expect(await flagComputations()).toBe(before);
    // The reader's own unfollow: every page, at once.
    expect((await reader.client.delete(`/api/profiles/${author.username}/follow`)).status).toBe(200);
    expect(await flagsSeenBy(reader, slug)).toEqual({
      list: { favorited: true, following: false, favoritesCount: 2 },
      article: { favorited: true, following: false, favoritesCount: 2 },
      comment: false,
      profile: false,
    });
    expect(await flagComputations()).toBe(before + 1);
    // Other viewers keep their own flags.
    expect((await flagsSeenBy(other, slug)).article).toEqual({ favorited: true, following: false, favoritesCount: 2 });
  });

  it(`a viewer with more than CACHE_VIEWER_RELATIONS_MAX (${RELATIONS_MAX}) favorites gets right flags per page, then cached again below it`, async () => {
    const heavy = await api.actingAsNewUser('relheavy');
    const slugs = [slug];
    for (let i = 0; i < RELATIONS_MAX; i++) slugs.push((await createArticle(author.client, { tagList: [tag] })).slug);
    for (const s of slugs) expect((await heavy.client.post(`/api/articles/${s}/favorite`)).status).toBe(200);
    expect((await heavy.client.post(`/api/profiles/${author.username}/follow`)).status).toBe(200);

    const list = await heavy.client.get(`/api/articles?tag=${tag}`);
    expect(list.body.articles).toHaveLength(slugs.length);
    expect(list.body.articles.every((a: { favorited: boolean; author: { following: boolean } }) => a.favorited && a.author.following)).toBe(true);
    const seen = await flagsSeenBy(heavy, slug);
    expect(seen).toMatchObject({ article: { favorited: true, following: true }, comment: true, profile: true });
    // The reader, below the cap, still sees their own flags on the same pages.
    expect((await flagsSeenBy(reader, slugs[1])).list).toMatchObject({ favorited: false, following: false });

    // Back at the cap: one entry again, and the flags stay right.
    expect((await heavy.client.delete(`/api/articles/${slugs[1]}/favorite`)).status).toBe(200);
    const before = await flagComputations();
    const again = await heavy.client.get(`/api/articles?tag=${tag}`);
    const favorited = Object.fromEntries(again.body.articles.map((a: { slug: string; favorited: boolean }) => [a.slug, a.favorited]));
    expect(favorited).toEqual(Object.fromEntries(slugs.map((s) => [s, s !== slugs[1]])));
    await flagsSeenBy(heavy, slugs[2]);
    expect(await flagComputations()).toBe(before + 1);
  });
});
