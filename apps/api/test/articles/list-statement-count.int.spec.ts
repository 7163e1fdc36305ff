import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { countStatements, type StatementCounter } from '../support/statement-counter.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Pattern "no N+1": a page of articles with author, following, favorited, favoritesCount and
 * tagList costs the same small number of SQL statements for 1, 5 or 20 items.
 * Counted at pg.Client.prototype.query (see support/statement-counter.ts), i.e. every
 * statement Prisma or our own SQL sends, including transaction control.
 * Budget: anonymous 1 (page + total in one statement), signed in 2 (+1 batched viewer flags).
 */
describe('article lists cost a fixed number of SQL statements (no N+1)', () => {
  let t: TestApp;
  let api: ApiClient;
  let viewer: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  let counter: StatementCounter;
  const authors: Awaited<ReturnType<ApiClient['actingAsNewUser']>>[] = [];

  beforeAll(async () => {
    counter = countStatements(() => t?.db.name);
    // The read cache is off: this measures the database path, i.e. what every cache miss costs.
    t = await startTestApp({ CACHE_ENABLED: 'false' });
    api = new ApiClient(t.url);
    viewer = await api.actingAsNewUser('viewer');
    for (let i = 0; i < 4; i++) authors.push(await api.actingAsNewUser(`author${i}`));
    // 24 articles by 4 authors, each with tags; the viewer follows two authors and favorites
    // every third article, so the overlay has real work to do.
    const slugs: string[] = [];
    for (let i = 0; i < 24; i++) slugs.push((await createArticle(authors[i % 4].client, { tagList: ['common', `t${i % 3}`] })).slug);
    await viewer.client.post(`/api/profiles/${authors[0].username}/follow`);
    await viewer.client.post(`/api/profiles/${authors[1].username}/follow`);
    for (const slug of slugs.filter((_, i) => i % 3 === 0)) await viewer.client.post(`/api/articles/${slug}/favorite`);
  });
  afterAll(async () => {
    counter?.restore();
    await t?.close();
  });

  async function statementsFor(client: ApiClient, path: string, expectedItems: number): Promise<string[]> {
    return counter.during(async () => {
      const res = await client.get(path);
      expect(res.status).toBe(200);
      expect(res.body.articles).toHaveLength(expectedItems);
      // the overlay really ran: flags and counts are present on every item
      for (const a of res.body.articles) {
        expect(a.tagList.length).toBeGreaterThan(0);
        expect(typeof a.favorited).toBe('boolean');
        expect(typeof a.author.following).toBe('boolean');
        expect(Number.isInteger(a.favoritesCount)).toBe(true);
      }
    });
  }

  it.each([
    ['global list', '/api/articles', ''],
    ['tag filter', '/api/articles', 'tag=common&'],
    ['author filter', '/api/articles', 'author=AUTHOR&'],
  ])('%s: same statement count for 1, 5 and 20 items, anonymous (1) and signed in (2)', async (_name, path, filter) => {
    const f = filter.replace('AUTHOR', authors[0].username);
    const max = filter.includes('author') ? 6 : 20;
    for (const [client, budget] of [
      [api, 1],
      [viewer.client, 2],
    ] as const) {
      const counts: number[] = [];
      for (const size of [1, 5, max]) {
        const statements = await statementsFor(client, `${path}?${f}limit=${size}`, size);
        expect(statements.length, statements.join('\n---\n')).toBe(budget);
        counts.push(statements.length);
      }
      expect(new Set(counts).size).toBe(1);
    }
  });

  it('favorited filter and feed: fixed counts too', async () => {
    for (const size of [1, 5, 8]) {
      expect(await statementsFor(api, `/api/articles?favorited=${viewer.username}&limit=${size}`, size)).toHaveLength(1);
      expect(await statementsFor(viewer.client, `/api/articles?favorited=${viewer.username}&limit=${size}`, size)).toHaveLength(2);
    }
    for (const size of [1, 5, 12]) {
      // The reader's follow statistics, the page (by the cheaper plan: feed-plan.ts), the flags.
      expect(await statementsFor(viewer.client, `/api/articles/feed?limit=${size}`, size)).toHaveLength(3);
    }
  });

  it('single article (1 anonymous, 2 signed in) and comment lists (1 / 2: found by slug in the same statement) do not grow with their size', async () => {
    const { slug } = await createArticle(authors[2].client, { tagList: ['one'] });
    expect(await counter.during(() => api.get(`/api/articles/${slug}`))).toHaveLength(1);
    expect(await counter.during(() => viewer.client.get(`/api/articles/${slug}`))).toHaveLength(2);
    const counts: number[][] = [];
    for (const total of [1, 5, 20]) {
      while ((await api.get(`/api/articles/${slug}/comments`)).body.comments.length < total) {
        await authors[counts.length % 4].client.post(`/api/articles/${slug}/comments`, { comment: { body: 'c' } });
      }
      counts.push([(await counter.during(() => api.get(`/api/articles/${slug}/comments`))).length, (await counter.during(() => viewer.client.get(`/api/articles/${slug}/comments`))).length]);
    }
    expect(counts).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    // A comment is one statement too: the article by its slug, the insert and the author read back.
    let created: any;
    const statements = await counter.during(async () => {
      created = (await viewer.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'one statement' } })).body;
    });
    expect(statements, statements.join('\n---\n')).toHaveLength(1);
    expect(created.comment).toMatchObject({ body: 'one statement', author: { username: viewer.username } });
    expect(await counter.during(() => viewer.client.post(`/api/articles/no-such-slug/comments`, { comment: { body: 'x' } }))).toHaveLength(1);
  });

  it('a favorite, an unfavorite, a follow and an unfollow are one statement each, the response read back in it', async () => {
    const { slug } = await createArticle(authors[3].client, { tagList: ['fav'] });
    // authors[0] is followed by the viewer (beforeAll): the read-back carries that flag too.
    const theirs = await createArticle(authors[0].client);
    for (const [call, check] of [
      [() => viewer.client.post(`/api/articles/${slug}/favorite`), (a: any) => a.favorited === true && a.favoritesCount === 1 && a.author.following === false],
      [() => viewer.client.delete(`/api/articles/${slug}/favorite`), (a: any) => a.favorited === false && a.favoritesCount === 0],
      [() => viewer.client.post(`/api/articles/${theirs.slug}/favorite`), (a: any) => a.favorited === true && a.author.following === true && a.body.length > 0],
    ] as const) {
      let body: any;
      const statements = await counter.during(async () => {
        body = (await call()).body;
      });
      expect(statements, statements.join('\n---\n')).toHaveLength(1);
      expect(check(body.article), JSON.stringify(body.article)).toBe(true);
    }
    for (const [call, following] of [
      [() => viewer.client.post(`/api/profiles/${authors[3].username}/follow`), true],
      [() => viewer.client.delete(`/api/profiles/${authors[3].username}/follow`), false],
    ] as const) {
      let body: any;
      const statements = await counter.during(async () => {
        body = (await call()).body;
      });
      expect(statements, statements.join('\n---\n')).toHaveLength(1);
      expect(body.profile).toMatchObject({ username: authors[3].username, following });
    }
  });

  it('counts really are counted: an article create is two write statements and no transaction round trips', async () => {
    const statements = await counter.during(() => createArticle(authors[0].client, { tagList: ['x', 'y'] }));
    // The tag upsert, then ONE statement for the article and its article_tags that also reads the article back.
    expect(statements.filter((s) => /^\s*INSERT INTO tags/i.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /INSERT INTO articles/i.test(s) && /INSERT INTO article_tags/i.test(s))).toHaveLength(1);
    expect(statements.some((s) => /^\s*(BEGIN|COMMIT)/i.test(s))).toBe(false);
    expect(statements, statements.join('\n---\n')).toHaveLength(2);
  });
});
