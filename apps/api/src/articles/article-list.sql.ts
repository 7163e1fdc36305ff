import { SqlParams } from '../common/sql.js';
import type { ArticleFilter, PageWindow } from './article.types.js';

/** Article columns of a list item (no body: pages stay small). */
const ARTICLE_COLUMNS = 'a.id, a.slug, a.title, a.description, a.tag_list, a.favorites_count, a.author_id, a.created_at, a.updated_at';
/** Columns of a list item: the article's plus its author's. */
export const ARTICLE_LIST_COLUMNS = `${ARTICLE_COLUMNS}, u.username, u.bio, u.image`;

/**
 * How a page of article ids is found: each source is ONE ordered index range whose order is
 * the list's order (created_at DESC, id DESC), read index-only, so a page reads offset + limit
 * index entries and then `limit` articles and authors by primary key, whatever the table's size
 * or age. The count is a counter row kept by triggers in the write's transaction (the global one
 * is the sum of at most 16 shard rows of article_totals: a sharded counter, so concurrent article
 * creates do not queue on one row; migration 20261202010000_article_totals_shards). A tag's count is
 * sharded the same way (tag_article_counts, migration 20261202020000_tag_count_shards).
 *
 * Measured bounds (EXPLAIN (ANALYZE, BUFFERS) on the lived-in seed, asserted in
 * apps/api/test/db/hot-queries.explain.spec.ts; 50k vs 1M articles in bench/results/growth.md):
 * | list | index range | count from | rows / buffers for a page of 20 |
 * |---|---|---|---|
 * | global | articles_created_at_id_author_idx | sum of article_totals (<= 16 shard rows) | ~40 rows, ~100 buffers |
 * | ?tag= (any age: old, rare, empty) | article_tags_tag_created_at_idx | sum of tag_article_counts (<= 16 shard rows) | same |
 * | ?author= | articles_author_created_at_id_idx | users.articles_count | same |
 * | ?favorited= | favorites_user_article_created_at_idx | users.favorited_count | same |
 * | deep offset (up to MAX_OFFSET = 10,000) | the same ranges, index-only | the same counters | + offset index entries (~1 buffer per 200) |
 */
/** Index entries the feed's walk reads at most (~1,000 leaf pages, ~10 ms; more where the visibility map lags the newest rows and each entry is fetched from the heap). */
export const FEED_WALK_CAP = 200_000;

export type PageSource =
  | { kind: 'all' }
  | { kind: 'tag'; tag: string }
  | { kind: 'author'; author: string }
  | { kind: 'favorited'; favorited: string }
  /** The feed, by one of two plans picked from the reader's follow statistics (feed.sql.ts). */
  | { kind: 'feed-merge'; authorIds: number[]; total: number }
  | { kind: 'feed-walk'; authorIds: number[]; total: number };

type FeedSource = Extract<PageSource, { kind: 'feed-merge' | 'feed-walk' }>;
type ListSource = Exclude<PageSource, FeedSource>;

/**
 * The page size goes into the SQL text as a literal, the offset stays a parameter. PostgreSQL
 * caches a generic plan for a named statement only when it costs no more than the custom plans it
 * has been making; with LIMIT as a parameter the generic plan assumes it returns 10% of the rows,
 * so on a 1M-article table the generic plan always looks dearer and every execution is planned
 * again (2.7 ms and 16 catalog buffers for an empty tag page, more than running it; found by
 * bench:growth). A literal costs one cached statement per page size in use (1-100, validated).
 */
function pageSizeLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) throw new RangeError(`page size out of range: ${limit}`);
  return String(limit);
}

/**
 * A parameter the planner must not look into: `(SELECT $n::type)` is an InitPlan, estimated the
 * same way in a custom plan (values known) and in the generic plan (values unknown). A bare
 * OFFSET $n or `= ANY($n)` is estimated from the value in a custom plan and by a default in the
 * generic one; when the default makes the generic plan look dearer, PostgreSQL never caches it
 * and plans every execution again: the feed walk spent 0.6 ms planning per 0.13 ms run and the
 * global list page was planned at 41% of its executions (bench:cost, track_planning). Equal
 * estimates let it settle on the generic plan after five executions; that plan is the one
 * hot-queries.explain.spec.ts bounds. Tested in apps/api/test/db/plan-cache.spec.ts.
 */
function opaque(p: SqlParams, value: unknown, type: 'int' | 'int[]'): string {
  return `(SELECT ${p.add(value)}::${type})`;
}

/** A source's page of ids (`keys`) and its total (`count`). */
interface SourceSql {
  keys: string;
  count: string;
}

function source(s: PageSource, p: SqlParams, window: PageWindow): SourceSql {
  const page = `LIMIT ${pageSizeLiteral(window.limit)} OFFSET ${opaque(p, window.offset, 'int')}`;
  return s.kind === 'feed-merge' || s.kind === 'feed-walk' ? feedSource(s, p, window, page) : listSource(s, p, page);
}

/** The public lists: one index range each, the total from a counter. */
function listSource(s: ListSource, p: SqlParams, page: string): SourceSql {
  switch (s.kind) {
    case 'all':
      return {
        keys: `SELECT a.id FROM articles a ORDER BY a.created_at DESC, a.id DESC ${page}`,
        count: 'SELECT COALESCE((SELECT sum(articles_count)::int FROM article_totals), 0) AS total',
      };
    case 'tag': {
      const tag = p.add(s.tag);
      return {
        keys: `SELECT at.article_id AS id FROM article_tags at WHERE at.tag_id = (SELECT id FROM tags WHERE name = ${tag})
    ORDER BY at.created_at DESC, at.article_id DESC ${page}`,
        count: `SELECT COALESCE((SELECT sum(c.articles_count)::int FROM tag_article_counts c WHERE c.tag_id = (SELECT id FROM tags WHERE name = ${tag})), 0) AS total`,
      };
    }
    case 'author': {
      const author = p.add(s.author);
      return {
        keys: `SELECT a.id FROM articles a WHERE a.author_id = (SELECT id FROM users WHERE username = ${author})
    ORDER BY a.created_at DESC, a.id DESC ${page}`,
        count: `SELECT COALESCE((SELECT articles_count FROM users WHERE username = ${author}), 0) AS total`,
      };
    }
    case 'favorited': {
      const user = p.add(s.favorited);
      return {
        keys: `SELECT f.article_id AS id FROM favorites f WHERE f.user_id = (SELECT id FROM users WHERE username = ${user})
    ORDER BY f.article_created_at DESC, f.article_id DESC ${page}`,
        count: `SELECT COALESCE((SELECT favorited_count FROM users WHERE username = ${user}), 0) AS total`,
      };
    }
  }
}

/** The feed, by the plan feed-plan.ts picked; its total comes with the source. */
function feedSource(s: FeedSource, p: SqlParams, window: PageWindow, page: string): SourceSql {
  switch (s.kind) {
    case 'feed-merge': {
      // Bounded merge: the newest offset+limit of EACH followed author (index-only, one range per
      // author), then the newest of those. Cost: following x (descent + offset+limit entries).
      const authors = opaque(p, s.authorIds, 'int[]');
      const depth = opaque(p, window.offset + window.limit, 'int');
      return {
        keys: `SELECT k.id FROM unnest(${authors}::int[]) AS f(author_id)
    CROSS JOIN LATERAL (SELECT a.id, a.created_at FROM articles a WHERE a.author_id = f.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT ${depth}) k
    ORDER BY k.created_at DESC, k.id DESC ${page}`,
        count: `SELECT ${p.add(s.total)}::int AS total`,
      };
    }
    case 'feed-walk': {
      // Dense following: walk the newest FEED_WALK_CAP entries of the global time index (its
      // author_id column keeps the walk index-only) and keep the followed authors' rows. The
      // constant cap keeps every plan, generic included, on the index and bounds the walk; a
      // walk that ends short is redone as a merge (ArticleReadRepository.feedPage).
      const authors = opaque(p, s.authorIds, 'int[]');
      return {
        keys: `SELECT w.id FROM (SELECT a.id, a.created_at, a.author_id FROM articles a ORDER BY a.created_at DESC, a.id DESC LIMIT ${FEED_WALK_CAP}) w
    WHERE w.author_id = ANY(${authors}::int[])
    ORDER BY w.created_at DESC, w.id DESC ${page}`,
        count: `SELECT ${p.add(s.total)}::int AS total`,
      };
    }
  }
}

/**
 * The one statement that returns a page of articles with their authors AND the total. The
 * count is a scalar subquery joined LATERAL to the page, so an offset past the end still returns
 * one row carrying the total (with NULL article columns). Articles and authors are fetched after
 * the page is cut, by primary key, in a LATERAL with LIMIT 1: the planner cannot turn it into a
 * hash join over the table, even in the generic plan where it does not know the page size. Ordering (created_at DESC, id DESC) is
 * total: ids break ties, so pages never overlap or skip.
 */
export function buildSourcedPageSql(s: PageSource, window: PageWindow): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const { keys, count } = source(s, p, window);
  const text = `SELECT t.total, page.*
FROM (${count}) t
LEFT JOIN LATERAL (
  SELECT item.*
  FROM (${keys}) k
  CROSS JOIN LATERAL (
    SELECT ${ARTICLE_LIST_COLUMNS} FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id = k.id LIMIT 1
  ) item
) page ON TRUE
ORDER BY page.created_at DESC, page.id DESC`;
  return { text, values: p.values };
}

/**
 * Two or more filters at once (e.g. ?tag=&author=): rare, and not served by one index range.
 * The planner walks the smaller side's index and probes the other (article_tags_pkey,
 * favorites_pkey, the author index); the cost is bounded by the smaller matching set, not the
 * page, and the count is a count(*) over the same set. Documented in README's pattern table.
 */
export function buildCombinedPageSql(filter: ArticleFilter, window: PageWindow): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const where: string[] = [];
  if (filter.author !== undefined) where.push(`a.author_id = (SELECT id FROM users WHERE username = ${p.add(filter.author)})`);
  if (filter.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM article_tags at WHERE at.article_id = a.id AND at.tag_id = (SELECT id FROM tags WHERE name = ${p.add(filter.tag)}))`);
  }
  if (filter.favorited !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = (SELECT id FROM users WHERE username = ${p.add(filter.favorited)}))`);
  }
  const condition = where.join(' AND ');
  const text = `SELECT t.total, page.*
FROM (SELECT count(*)::int AS total FROM articles a WHERE ${condition}) t
LEFT JOIN LATERAL (
  SELECT ${ARTICLE_LIST_COLUMNS}
  FROM (
    SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE ${condition}
    ORDER BY a.created_at DESC, a.id DESC LIMIT ${pageSizeLiteral(window.limit)} OFFSET ${opaque(p, window.offset, 'int')}
  ) a
  JOIN users u ON u.id = a.author_id
) page ON TRUE
ORDER BY page.created_at DESC, page.id DESC`;
  return { text, values: p.values };
}

/** The single-source page for a filter with at most one of tag/author/favorited, else null. */
export function sourceForFilter(filter: ArticleFilter): PageSource | null {
  const set = [filter.tag, filter.author, filter.favorited].filter((v) => v !== undefined).length;
  if (set > 1) return null;
  if (filter.tag !== undefined) return { kind: 'tag', tag: filter.tag };
  if (filter.author !== undefined) return { kind: 'author', author: filter.author };
  if (filter.favorited !== undefined) return { kind: 'favorited', favorited: filter.favorited };
  return { kind: 'all' };
}
