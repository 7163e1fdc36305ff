import { heavyReaderFollowing, livedInTags, planForProfile, seedDatabase } from '@conduit/db';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// 1/200 of the 1M lived-in data set: 500 users, 5,000 articles (~1 s to seed).
const PLAN = planForProfile('lived-in', 0.005);

/**
 * The lived-in seed profile has the skew it promises at any scale (the EXPLAIN test and
 * bench:growth rely on it): tags that were popular and are rare now, tags with no articles,
 * hot new tags, deleted rows (id gaps), heavy readers, celebrity authors, and counters equal to
 * the rows they count.
 */
describe('db:seed --profile=lived-in (real PostgreSQL)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const one = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => (await client.query<T>(sql, values)).rows[0];

  beforeAll(async () => {
    db = await createTestDatabase();
    const result = await seedDatabase(db.url, { plan: PLAN });
    expect(result.counts).toMatchObject({ users: PLAN.users, articles: PLAN.articles, favorites: PLAN.favorites, comments: PLAN.comments, tags: PLAN.tags });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('has fading tags (popular years ago, rare in the last year), empty tags and hot new tags', async () => {
    const tags = livedInTags(PLAN);
    const share = await one<{ old: number; recent: number }>(
      `
      SELECT count(*) FILTER (WHERE at.created_at < '2019-01-01')::int AS old, count(*) FILTER (WHERE at.created_at >= '2025-01-01')::int AS recent
      FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = ANY($1)`,
      [tags.fading],
    );
    expect(share.old).toBeGreaterThan(share.recent * 5);
    const empty = await one<{ n: number }>('SELECT count(*)::int AS n FROM tags t WHERE name = ANY($1) AND COALESCE((SELECT sum(articles_count) FROM tag_article_counts WHERE tag_id = t.id), 0) = 0', [
      tags.empty,
    ]);
    expect(empty.n).toBe(tags.empty.length);
    const hot = await one<{ first: Date }>('SELECT min(at.created_at) AS first FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $1', [tags.hot[0]]);
    expect(hot.first.getTime()).toBeGreaterThan(Date.UTC(2025, 0, 1));
  });

  it('has deleted rows (id gaps), celebrity authors and heavy readers', async () => {
    const ids = await one<{ max: number; n: number }>('SELECT max(id) AS max, count(*)::int AS n FROM articles');
    expect(ids.max).toBeGreaterThan(ids.n * 1.02);
    // The heavy readers are the last user ids.
    const heavy = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM follows WHERE follower_id > $1 GROUP BY follower_id ORDER BY follower_id DESC', [PLAN.users - 3]);
    expect(heavy.rows.map((r) => r.n)).toEqual(heavyReaderFollowing(PLAN.users));
    const top = await one<{ n: number }>('SELECT count(*)::int AS n FROM follows GROUP BY follower_id ORDER BY 1 DESC LIMIT 1');
    expect(top.n).toBe(heavyReaderFollowing(PLAN.users)[0]);
    const celebrity = await one<{ n: number }>('SELECT count(*)::int AS n FROM follows GROUP BY following_id ORDER BY 1 DESC LIMIT 1');
    expect(celebrity.n).toBeGreaterThan(PLAN.users * 0.2);
  });

  it('fills every counter and copy the triggers keep', async () => {
    const drift = await one<Record<string, number>>(`SELECT
      (SELECT count(*) FROM tags t WHERE COALESCE((SELECT sum(articles_count) FROM tag_article_counts WHERE tag_id = t.id), 0) <> (SELECT count(*) FROM article_tags WHERE tag_id = t.id))::int AS tags,
      (SELECT count(*) FROM users u WHERE articles_count <> (SELECT count(*) FROM articles WHERE author_id = u.id))::int AS authors,
      (SELECT count(*) FROM users u WHERE favorited_count <> (SELECT count(*) FROM favorites WHERE user_id = u.id))::int AS favoriters,
      (SELECT count(*) FROM articles a WHERE favorites_count <> (SELECT count(*) FROM favorites WHERE article_id = a.id))::int AS favorites,
      (SELECT count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id WHERE at.created_at <> a.created_at)::int AS tag_dates,
      (SELECT count(*) FROM favorites f JOIN articles a ON a.id = f.article_id WHERE f.article_created_at <> a.created_at)::int AS favorite_dates,
      (SELECT sum(articles_count)::int FROM article_totals) - (SELECT count(*) FROM articles)::int AS total`);
    expect(drift).toEqual({ tags: 0, authors: 0, favoriters: 0, favorites: 0, tag_dates: 0, favorite_dates: 0, total: 0 });
    // ... and the triggers are back on after the load: a new article is counted.
    await client.query(`INSERT INTO articles (slug, title, description, body, author_id, updated_at) VALUES ('after-seed', 't', 'd', 'b', 2, now())`);
    expect((await one<{ n: number }>('SELECT sum(articles_count)::int AS n FROM article_totals')).n).toBe(PLAN.articles + 1);
  });

  it('is deterministic and scales by profile', () => {
    expect(planForProfile('lived-in', 1)).toMatchObject({ articles: 1_000_000, users: 100_000, tags: 2_000, profile: 'lived-in' });
    expect(planForProfile('lived-in', 0.05)).toMatchObject({ articles: 50_000, users: 5_000 });
    expect(() => planForProfile('nope' as never, 1)).toThrow(/profile/);
  });
});
