import { heavyReaderFollowing, livedInTags, planForProfile, seedDatabase } from '@conduit/db';
import { createTestDatabase, livedInChoices, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildCreateArticleSql } from '../../src/articles/article-create.sql.js';
import { buildCombinedPageSql, buildSourcedPageSql, type PageSource } from '../../src/articles/article-list.sql.js';
import type { ArticleFilter, PageWindow } from '../../src/articles/article.types.js';
import { CHAT_SQL } from '../../src/chat/chat.repository.js';
import { sqlRows } from '../../src/common/sql.js';

/**
 * The list and feed statements run as named prepared statements (sqlRows). PostgreSQL makes five
 * custom plans for one, then keeps the generic plan only if it does not look dearer than they
 * did; otherwise it plans every execution again, which cost the feed walk more than running it.
 * Here each statement runs ten times on a new connection, with the values the API sends (pages at
 * offsets 0, 20, 40; readers of different authors), and pg_prepared_statements must show the
 * generic plan taken from the sixth execution on: 5 custom plans, 5 generic. Counts, not timings.
 * (hot-queries.explain.spec.ts bounds that generic plan on lived-in data.)
 */
describe('list, feed, article-create and chat room-head statements settle on a cached generic plan (pg_prepared_statements)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let choices: { popularTag: string; prolificAuthor: string };
  let heavyAuthors: number[];
  let fewAuthors: number[];
  const plan = planForProfile('lived-in', 0.02);

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.url, { plan });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    choices = await livedInChoices(client, livedInTags(plan));
    const following = await client.query<{ id: number }>('SELECT following_id AS id FROM follows WHERE follower_id = $1', [plan.users]);
    heavyAuthors = following.rows.map((r) => r.id);
    expect(heavyAuthors.length).toBe(heavyReaderFollowing(plan.users)[0]);
    fewAuthors = (await client.query<{ id: number }>('SELECT id FROM users WHERE articles_count BETWEEN 1 AND 3 ORDER BY id LIMIT 5')).rows.map((r) => r.id);
  }, 180_000);
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  /**
   * Runs the statement built for each execution (same text, other values) on a new connection
   * (prepared statements and their counters are per connection) and reads its plan counters.
   */
  async function plansAfter(build: (i: number) => { text: string; values: unknown[] }, executions = 10): Promise<{ custom: number; generic: number }> {
    const connection = new pg.Client({ connectionString: db.url });
    await connection.connect();
    try {
      let text = '';
      for (let i = 0; i < executions; i++) {
        const statement = build(i);
        if (text && statement.text !== text) throw new Error('the test must vary the values only');
        text = statement.text;
        await sqlRows(connection as unknown as pg.PoolClient, statement.text, statement.values);
      }
      const row = await connection.query<{ custom_plans: string; generic_plans: string }>('SELECT custom_plans, generic_plans FROM pg_prepared_statements WHERE statement = $1', [text]);
      expect(row.rows).toHaveLength(1);
      return { custom: Number(row.rows[0].custom_plans), generic: Number(row.rows[0].generic_plans) };
    } finally {
      await connection.end();
    }
  }

  const newArticle = (i: number) => ({
    slug: `plan-cache-${i}-${randomUUID()}`,
    title: 'Plan cache',
    description: 'd',
    body: 'b',
    tagList: [choices.popularTag, `plan-cache-tag-${i}`].sort(),
    authorId: fewAuthors[i % fewAuthors.length],
  });
  const windows: PageWindow[] = [0, 20, 40].map((offset) => ({ limit: 20, offset }));
  const sourced = (source: PageSource) => (i: number) => buildSourcedPageSql(source, windows[i % windows.length]);
  const combined = (filter: () => ArticleFilter) => (i: number) => buildCombinedPageSql(filter(), windows[i % windows.length]);

  it.each<[string, () => (i: number) => { text: string; values: unknown[] }]>([
    ['global list', () => sourced({ kind: 'all' })],
    ['list by tag', () => sourced({ kind: 'tag', tag: choices.popularTag })],
    ['list by author', () => sourced({ kind: 'author', author: choices.prolificAuthor })],
    ['list by tag and author (combined filter)', () => combined(() => ({ tag: choices.popularTag, author: choices.prolificAuthor }))],
    // Most feed reads are a first page.
    ['feed walk, first page of a reader of thousands', () => () => buildSourcedPageSql({ kind: 'feed-walk', authorIds: heavyAuthors, total: 100 }, windows[0])],
    [
      'feed walk, pages of readers of thousands and of a few',
      () => (i: number) => buildSourcedPageSql({ kind: 'feed-walk', authorIds: i % 2 ? heavyAuthors : fewAuthors, total: 100 }, windows[i % windows.length]),
    ],
    ['feed merge, first page of a reader of a few', () => () => buildSourcedPageSql({ kind: 'feed-merge', authorIds: fewAuthors, total: 10 }, windows[0])],
    [
      'feed merge, pages of readers of a few',
      () => (i: number) => buildSourcedPageSql({ kind: 'feed-merge', authorIds: i % 2 ? fewAuthors : fewAuthors.slice(0, 2), total: 10 }, windows[i % windows.length]),
    ],
    // Writes: each execution creates an article (own slug) with two tags, one in use and one not.
    ['article create', () => (i: number) => buildCreateArticleSql(newArticle(i))],
    // With a claim that is not (or no longer) this request's: executed, nothing inserted.
    ['article create with an Idempotency-Key claim', () => (i: number) => buildCreateArticleSql({ ...newArticle(i), claim: { key: `plan-cache-${i}`, token: randomUUID() } })],
    // A join asks for one room, the periodic room:head signal for every room an instance serves.
    ['chat room heads, one room or ten', () => (i: number) => ({ text: CHAT_SQL.heads, values: [i % 2 ? [1] : Array.from({ length: 10 }, (_, r) => r + 1), 11_000] })],
  ])('%s: 5 custom plans, then the cached generic plan', async (_name, build) => {
    expect(await plansAfter(build())).toEqual({ custom: 5, generic: 5 });
  });
});
