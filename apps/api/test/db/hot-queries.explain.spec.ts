import { heavyReaderFollowing, livedInTags, planForProfile, seedDatabase } from '@conduit/db';
import { createTestDatabase, livedInChoices, type LivedInChoices, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_WALK_CAP } from '../../src/articles/article-list.sql.js';
import type { AppConfig } from '@conduit/config';
import { ArticleReadRepository } from '../../src/articles/article-read.repository.js';
import { ViewerRelationsRepository } from '../../src/cache/viewer-relations.repository.js';
import { MAX_OFFSET } from '../../src/articles/article.schemas.js';
import { CommentRepository } from '../../src/comments/comment.repository.js';
import { ProfileRepository } from '../../src/profiles/profile.repository.js';
import { TagRepository } from '../../src/tags/tag.repository.js';
import { ReadRouter } from '../../src/database/replica/read-router.js';
import { RecordingRealPool, analyzeBoth, renderPlan, seqScansOn, type CapturedQuery } from './support/explain.js';

/**
 * Every hot query is bounded by the page it returns, not by the table: on the lived-in data set
 * (tags popular years ago and rare now, empty tags, hot new tags, celebrity authors, readers of
 * thousands of authors), each statement the repositories send (captured from a recording pool)
 * is run with EXPLAIN (ANALYZE, BUFFERS) in its custom plan AND its generic plan (what a named
 * prepared statement runs after five executions), and must
 *   - not scan a big table sequentially, and
 *   - stay under an upper bound on buffers (shared hit + read) and on rows read by its scans,
 *     stated per query below as a small constant times the page (plus the offset for deep
 *     pages, plus the following for the feed). These counts are deterministic, not timings.
 * The bounds hold at any size: bench/results/growth.md measures the same queries at 50k and 1M.
 * Scale: EXPLAIN_SEED_SCALE (default 0.02 = 20k articles, ~4 s to seed) of the 1M lived-in
 * profile, the same skew; EXPLAIN_SEED_SCALE=1 runs it on 1M (about 2.5 min of seeding).
 * `EXPLAIN_PRINT=1` prints every plan with its counts, `EXPLAIN_SUMMARY=1` one line per plan.
 */
const BIG_TABLES = ['articles', 'favorites', 'follows', 'comments', 'article_tags', 'users'] as const;
const SCALE = Number(process.env.EXPLAIN_SEED_SCALE ?? '0.02');
const PAGE = 20;
const DEEP = MAX_OFFSET;
/** CACHE_VIEWER_RELATIONS_MAX's default. */
const RELATIONS_MAX = 1_000;

/** Per article on a page: its keys entry, its row by primary key, its author by primary key (~8 buffers, 3 rows). */
const PER_ITEM = { buffers: 10, rows: 3 };
const page = (extraRows = 0, extraBuffers = 0) => ({ rows: PAGE * PER_ITEM.rows + 10 + extraRows, buffers: PAGE * PER_ITEM.buffers + 30 + extraBuffers });

interface Sample extends LivedInChoices {
  rareTag: string;
  quietAuthor: string;
  reader: { id: number; following: number };
  heavyReader: { id: number; following: number };
  commentedArticleSlug: string;
  uncommentedSlug: string;
  pageArticleIds: number[];
  pageAuthorIds: number[];
}

interface Bound {
  rows: number;
  buffers: number;
}

describe('hot queries are bounded by the page on lived-in data (EXPLAIN ANALYZE, custom and generic plans)', () => {
  let db: TestDatabase | undefined;
  let client: pg.Client;
  let realPool: pg.Pool;
  let pool: RecordingRealPool;
  let articles: ArticleReadRepository;
  let comments: CommentRepository;
  let profiles: ProfileRepository;
  let relations: ViewerRelationsRepository;
  let tags: TagRepository;
  let s: Sample;
  const plan = planForProfile('lived-in', SCALE);

  beforeAll(async () => {
    // EXPLAIN_DATABASE_URL: an already seeded lived-in database at EXPLAIN_SEED_SCALE (read-only
    // use except one reader's follows), e.g. the 1M database of bench:growth.
    const url = process.env.EXPLAIN_DATABASE_URL ?? (db = await createTestDatabase()).url;
    if (db) await seedDatabase(url, { plan });
    client = new pg.Client({ connectionString: url });
    await client.connect();
    realPool = new pg.Pool({ connectionString: url, max: 1 });
    pool = new RecordingRealPool(realPool);
    // No replica: every routed read runs on the recording pool.
    const router = new ReadRouter(pool as unknown as pg.Pool);
    articles = new ArticleReadRepository(pool as unknown as pg.Pool, router);
    comments = new CommentRepository(pool as unknown as pg.Pool, null as never, router);
    profiles = new ProfileRepository(pool as unknown as pg.Pool, router);
    relations = new ViewerRelationsRepository(router, { CACHE_VIEWER_RELATIONS_MAX: RELATIONS_MAX } as AppConfig);
    tags = new TagRepository(pool as unknown as pg.Pool, router);
    const one = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => (await client.query<T>(sql, values)).rows[0];
    const page = (await client.query<{ id: number; author_id: number }>('SELECT id, author_id FROM articles ORDER BY created_at DESC, id DESC LIMIT 20')).rows;
    const heavyFollowing = heavyReaderFollowing(plan.users)[0];
    // A reader of five quiet authors (a few articles each): the feed's merge plan.
    await client.query('DELETE FROM follows WHERE follower_id = 2');
    await client.query(`INSERT INTO follows (follower_id, following_id)
      SELECT 2, id FROM users WHERE articles_count BETWEEN 1 AND 3 AND id <> 2 ORDER BY id LIMIT 5`);
    s = {
      ...(await livedInChoices(client, livedInTags(plan))),
      rareTag: (
        await one<{ name: string }>(`SELECT t.name FROM tags t JOIN (SELECT tag_id, sum(articles_count) AS n FROM tag_article_counts GROUP BY tag_id) c ON c.tag_id = t.id
        WHERE c.n > 0 ORDER BY c.n, t.id LIMIT 1`)
      ).name,
      quietAuthor: (await one<{ username: string }>('SELECT username FROM users WHERE articles_count = 1 ORDER BY id LIMIT 1')).username,
      reader: { id: 2, following: 5 },
      heavyReader: { id: plan.users, following: heavyFollowing },
      commentedArticleSlug: (await one<{ slug: string }>('SELECT a.slug FROM articles a WHERE a.id = (SELECT article_id FROM comments GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT 1)'))
        .slug,
      uncommentedSlug: (await one<{ slug: string }>('SELECT slug FROM articles a WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.article_id = a.id) ORDER BY id LIMIT 1')).slug,
      pageArticleIds: page.map((r) => r.id),
      pageAuthorIds: page.map((r) => r.author_id),
    };
  }, 180_000);
  afterAll(async () => {
    await client?.end();
    await realPool?.end();
    await db?.drop();
  });

  const window = { limit: PAGE, offset: 0 };
  const relationsBound = { rows: (RELATIONS_MAX + 1) * 2 * 2 + 10, buffers: (RELATIONS_MAX + 1) * 2 * 4 + 20 };
  const deep = { limit: PAGE, offset: DEEP };
  // Index entries of an offset: ~200 per leaf page (bound: 100).
  const deepPage = page(DEEP, Math.ceil(DEEP / 100));
  const hotQueries: Array<[string, () => Promise<unknown>, () => Bound]> = [
    ['global list, first page', () => articles.page({}, window), () => page()],
    [`global list, offset ${DEEP}`, () => articles.page({}, deep), () => deepPage],
    ['list by popular tag', () => articles.page({ tag: s.popularTag }, window), () => page()],
    ['list by fading tag (popular years ago, rare now)', () => articles.page({ tag: s.fadingTag }, window), () => page()],
    ['list by the rarest tag', () => articles.page({ tag: s.rareTag }, window), () => page()],
    ['list by a tag whose articles were all deleted', () => articles.page({ tag: s.emptyTag }, window), () => page()],
    ['list by a hot new tag', () => articles.page({ tag: s.hotTag }, window), () => page()],
    ['list by an unknown tag', () => articles.page({ tag: 'no-such-tag' }, window), () => page()],
    [`list by popular tag, offset ${DEEP}`, () => articles.page({ tag: s.popularTag }, deep), () => deepPage],
    ['list by prolific author', () => articles.page({ author: s.prolificAuthor }, window), () => page()],
    ['list by quiet author', () => articles.page({ author: s.quietAuthor }, window), () => page()],
    ['list by heaviest favoriter', () => articles.page({ favorited: s.heavyFavoriter }, window), () => page()],
    ['feed of a reader of a few authors (merge)', () => articles.feedPage(s.reader.id, window), () => page(s.reader.following * (PAGE + 2), s.reader.following * 4)],
    ['feed of a reader of thousands of authors (walk)', () => articles.feedPage(s.heavyReader.id, window), () => page(s.heavyReader.following * 2 + PAGE * 20, s.heavyReader.following * 4)],
    [
      `feed of a reader of thousands, offset ${DEEP}`,
      () => articles.feedPage(s.heavyReader.id, deep),
      // The walk reads offset / (followed share) entries, at most FEED_WALK_CAP (else the merge).
      () => page(s.heavyReader.following * 2 + FEED_WALK_CAP, s.heavyReader.following * 4 + FEED_WALK_CAP / 100),
    ],
    ['article by slug', () => articles.bySlug(s.slug), () => ({ rows: 5, buffers: 20 })],
    ['article owner by slug', () => articles.ownerBySlug(s.slug), () => ({ rows: 5, buffers: 20 })],
    ['follow/favorite overlay for a page', () => relations.among(s.reader.id, s.pageAuthorIds, s.pageArticleIds), () => ({ rows: PAGE * 3 + 10, buffers: PAGE * 2 * 4 + 20 })],
    // The signed-in overlay's cached source: bounded by the cap (max + 1 ids of each set), never by the data.
    ["a reader's follows and favorites (the cached overlay source)", () => relations.load(s.reader.id), () => relationsBound],
    ["the heaviest reader's follows and favorites (read up to the cap + 1, then flags per page)", () => relations.load(s.heavyReader.id), () => relationsBound],
    ['comments by article slug (most commented)', () => comments.listBySlug(s.commentedArticleSlug, 100), () => ({ rows: 100 * 2 + 10, buffers: 100 * 8 + 30 })],
    ['comments by article slug (no comments)', () => comments.listBySlug(s.uncommentedSlug, 100), () => ({ rows: 10, buffers: 30 })],
    ['article id by slug (comment delete)', () => comments.articleIdBySlug(s.slug), () => ({ rows: 5, buffers: 20 })],
    ['profile by username', () => profiles.findByUsername(s.prolificAuthor), () => ({ rows: 5, buffers: 20 })],
    // Bounded by the tags listed (at most 1,000), never by articles: per tag a tags_name_key entry
    // and its heap row, plus its tag_article_counts shard range (~4 buffers per tag listed).
    ['tags in use (GET /api/tags)', () => tags.inUse(1_000), () => ({ rows: 10, buffers: Math.min(plan.tags, 1_000) * 4 + 50 })],
  ];

  it.each(hotQueries)('%s', async (name, run, bound) => {
    await run();
    const statements: CapturedQuery[] = pool.take();
    expect(statements.length).toBeGreaterThan(0);
    // The feed sends two statements (statistics, then the page); each gets the whole budget.
    for (const statement of statements) {
      const { custom, generic } = await analyzeBoth(client, statement, BIG_TABLES);
      for (const [kind, cost] of [
        ['custom', custom],
        ['generic', generic],
      ] as const) {
        const where = `${kind} plan of ${name} (rows ${cost.rows}, buffers ${cost.buffers}):\n${statement.text}\n\n${renderPlan(cost.plan)}`;
        if (process.env.EXPLAIN_PRINT) console.log(where);
        if (process.env.EXPLAIN_SUMMARY) console.log(`EXPLAIN\t${name}\t${statements.indexOf(statement)}\t${kind}\trows=${cost.rows}\tbuffers=${cost.buffers}`);
        expect(seqScansOn(cost.plan, BIG_TABLES), where).toEqual([]);
        expect(cost.rows, where).toBeLessThanOrEqual(bound().rows);
        expect(cost.buffers, where).toBeLessThanOrEqual(bound().buffers);
      }
    }
  });

  it('the feed picks the walk for a reader of thousands and the merge for a reader of a few', async () => {
    await articles.feedPage(s.heavyReader.id, window);
    const [, heavyPage] = pool.take();
    expect(heavyPage.text).toMatch(/w\.author_id = ANY/);
    await articles.feedPage(s.reader.id, window);
    const [, readerPage] = pool.take();
    expect(readerPage.values).toContainEqual(expect.arrayContaining([expect.any(Number)]));
    expect(readerPage.text).toMatch(/CROSS JOIN LATERAL \(SELECT a\.id, a\.created_at FROM articles a WHERE a\.author_id = f\.author_id/);
  });

  it('the bounds can fail: the pre-counter tag page (walk every article by time) breaks them on an old tag', async () => {
    const oldShape = {
      text: `SELECT a.id FROM articles a WHERE a.id IN (SELECT at.article_id FROM article_tags at JOIN tags tg ON tg.id = at.tag_id WHERE tg.name = $1)
ORDER BY a.created_at DESC, a.id DESC LIMIT 20`,
      values: [s.emptyTag],
    };
    const { custom } = await analyzeBoth(client, oldShape, BIG_TABLES);
    const counted = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${oldShape.text}) x`, oldShape.values)).rows[0].n;
    expect(counted).toBe(0);
    // A count(*) per page, as before the counters: rows grow with the tag, not the page.
    const { custom: count } = await analyzeBoth(client, { text: 'SELECT count(*) FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = $1)', values: [s.popularTag] }, BIG_TABLES);
    expect(Math.max(custom.rows, count.rows)).toBeGreaterThan(page().rows);
  });
});
