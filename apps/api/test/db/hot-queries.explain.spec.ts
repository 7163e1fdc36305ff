import { planForScale, seedDatabase } from '@conduit/db';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleReadRepository } from '../../src/articles/article-read.repository.js';
import { CommentRepository } from '../../src/comments/comment.repository.js';
import { ProfileRepository } from '../../src/profiles/profile.repository.js';
import { TagRepository } from '../../src/tags/tag.repository.js';
import { RecordingPool, explainBoth, renderPlan, seqScansOn, type CapturedQuery } from './support/explain.js';

/**
 * With seeded data, every hot query uses an index: EXPLAIN (FORMAT JSON) of the exact SQL the
 * repositories send (captured through a recording pool) must not contain a Seq Scan of the big
 * tables, neither in the custom plan nor in the generic plan of the prepared statement.
 * Scale: 1/5 of the default seed (10k articles, 40k favorites, 20k comments, 20k follows),
 * VACUUM ANALYZEd by the seed, big enough that the planner's choices match the full data set.
 * `EXPLAIN_PRINT=1 npx vitest run apps/api/test/db/hot-queries.explain.spec.ts` prints every plan.
 * A new hot query belongs in `hotQueries` below; a missing index goes in a NEW migration.
 */
const BIG_TABLES = ['articles', 'favorites', 'follows', 'comments', 'article_tags'] as const;
// EXPLAIN_SEED_SCALE=1 runs the same checks on the full default data set (~10-20 s more).
const SCALE = Number(process.env.EXPLAIN_SEED_SCALE ?? '0.2');

interface Sample {
  popularTag: string;
  rareTag: string;
  prolificAuthor: string;
  quietAuthor: string;
  heavyFavoriter: string;
  viewerId: number;
  busyFollowerId: number;
  slug: string;
  commentedArticleId: number;
  pageArticleIds: number[];
  pageAuthorIds: number[];
}

describe('hot queries use indexes on seeded data (EXPLAIN)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let s: Sample;
  const pool = new RecordingPool();
  const articles = new ArticleReadRepository(pool as unknown as pg.Pool);
  const comments = new CommentRepository(pool as unknown as pg.Pool, null as never);
  const profiles = new ProfileRepository(pool as unknown as pg.Pool, null as never);
  const tags = new TagRepository(pool as unknown as pg.Pool);

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.url, { plan: planForScale(SCALE) });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const one = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql)).rows[0];
    const page = (await client.query<{ id: number; author_id: number }>('SELECT id, author_id FROM articles ORDER BY created_at DESC, id DESC LIMIT 20')).rows;
    s = {
      popularTag: (await one<{ name: string }>('SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name ORDER BY count(*) DESC LIMIT 1')).name,
      rareTag: (await one<{ name: string }>('SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name ORDER BY count(*) ASC LIMIT 1')).name,
      prolificAuthor: (await one<{ username: string }>('SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id GROUP BY u.username ORDER BY count(*) DESC LIMIT 1')).username,
      quietAuthor: 'loadtest-0001',
      heavyFavoriter: (await one<{ username: string }>('SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id GROUP BY u.username ORDER BY count(*) DESC LIMIT 1')).username,
      viewerId: 1,
      busyFollowerId: (await one<{ id: number }>('SELECT follower_id AS id FROM follows GROUP BY follower_id ORDER BY count(*) DESC LIMIT 1')).id,
      slug: (await one<{ slug: string }>('SELECT slug FROM articles ORDER BY favorites_count DESC LIMIT 1')).slug,
      commentedArticleId: (await one<{ id: number }>('SELECT article_id AS id FROM comments GROUP BY article_id ORDER BY count(*) DESC LIMIT 1')).id,
      pageArticleIds: page.map((r) => r.id),
      pageAuthorIds: page.map((r) => r.author_id),
    };
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const window = { limit: 20, offset: 0 };
  const hotQueries: Array<[string, () => Promise<unknown>]> = [
    ['global list, first page', () => articles.page({}, window)],
    ['global list, deep page', () => articles.page({}, { limit: 20, offset: 2_000 })],
    ['list by popular tag', () => articles.page({ tag: s.popularTag }, window)],
    ['list by rare tag', () => articles.page({ tag: s.rareTag }, window)],
    ['list by prolific author', () => articles.page({ author: s.prolificAuthor }, window)],
    ['list by quiet author', () => articles.page({ author: s.quietAuthor }, window)],
    ['list by favorited user', () => articles.page({ favorited: s.heavyFavoriter }, window)],
    ['list by tag and author', () => articles.page({ tag: s.popularTag, author: s.prolificAuthor }, window)],
    ['feed of a load-test user', () => articles.page({ followedBy: s.viewerId }, window)],
    ['feed of the busiest follower', () => articles.page({ followedBy: s.busyFollowerId }, window)],
    ['article by slug', () => articles.bySlug(s.slug)],
    ['article owner by slug', () => articles.ownerBySlug(s.slug)],
    ['follow/favorite overlay for a page', () => articles.viewerFlags(s.viewerId, s.pageAuthorIds, s.pageArticleIds)],
    ['comments by article', () => comments.listByArticle(s.commentedArticleId, 100)],
    ['article id by slug (comments)', () => comments.articleIdBySlug(s.slug)],
    ['profile by username', () => profiles.findByUsername(s.prolificAuthor)],
    ['following overlay (profile, comment authors)', () => profiles.followedAmong(s.viewerId, s.pageAuthorIds)],
    ['tags in use (GET /api/tags)', () => tags.inUse(100)],
  ];

  it.each(hotQueries)('%s', async (_name, run) => {
    await run();
    const statements: CapturedQuery[] = pool.take();
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const { custom, generic } = await explainBoth(client, statement);
      if (process.env.EXPLAIN_PRINT) console.log(`${_name}\n-- custom\n${renderPlan(custom)}\n-- generic\n${renderPlan(generic)}`);
      for (const [kind, plan] of [['custom', custom], ['generic', generic]] as const) {
        const scans = seqScansOn(plan, BIG_TABLES);
        expect(scans, `${kind} plan of:\n${statement.text}\n\n${renderPlan(plan)}`).toEqual([]);
      }
    }
  });

  it('the detector catches a sequential scan (this test can fail)', async () => {
    const { custom, generic } = await explainBoth(client, { text: 'SELECT id FROM articles WHERE body LIKE $1', values: ['%cache%'] });
    expect(seqScansOn(custom, BIG_TABLES)).toEqual(['Seq Scan on articles']);
    expect(seqScansOn(generic, BIG_TABLES)).toEqual(['Seq Scan on articles']);
    // ... and finds it nested inside joins and subplans.
    const nested = await explainBoth(client, { text: 'SELECT count(*) FROM users u WHERE EXISTS (SELECT 1 FROM comments c WHERE c.author_id = u.id AND c.body LIKE $1)', values: ['%x%'] });
    expect(seqScansOn(nested.custom, BIG_TABLES)).toContain('Seq Scan on comments');
  });
});
