import type { PageWindow } from './article.types.js';
import { FEED_WALK_CAP, type PageSource } from './article-list.sql.js';

/** What the feed's first statement learns about the reader (one index range of follows_pkey). */
export interface FeedStats {
  /** Authors the reader follows. */
  authorIds: number[];
  /** Their articles in total (sum of users.articles_count): the feed's articlesCount. */
  followedArticles: number;
  /** Every article (sum of the article_totals shards). */
  totalArticles: number;
}

/** Index entries per 8 kB leaf page of an (timestamptz, int, int) btree, roughly. */
const ENTRIES_PER_PAGE = 200;
/** Buffers to descend one author's range (root, inner, leaf). */
const DESCENT_BUFFERS = 3;

/**
 * Picks the cheaper of two bounded feed plans from the reader's statistics (pattern: pick the
 * plan by cost; the planner cannot, since it does not know how dense one reader's authors are):
 * - merge: the newest offset+limit of each followed author, then the newest of those.
 *   Buffers ~ following x 3 (+ the entries). Right for a reader of a few authors.
 * - walk: the global time index, keeping the followed authors' rows. Buffers ~
 *   (offset+limit) / (followed share of all articles) / 200. Right for a reader of thousands
 *   (whose authors wrote a large share of everything), where merge would descend thousands of ranges.
 *   Taken only if the expected walk is under 80% of FEED_WALK_CAP entries.
 * Either way the cost depends on the reader's following and the page, not on the table's size.
 * Tested in apps/api/test/db/hot-queries.explain.spec.ts (both plans, bounded buffers).
 */
export function chooseFeedPlan(stats: FeedStats, window: PageWindow): PageSource {
  const { authorIds, followedArticles, totalArticles } = stats;
  const depth = window.offset + window.limit;
  const mergeBuffers = authorIds.length * DESCENT_BUFFERS + depth / ENTRIES_PER_PAGE;
  const walkEntries = followedArticles === 0 ? Infinity : depth * Math.max(1, totalArticles / followedArticles);
  // Only when the expected walk fits well inside its cap (a short walk falls back to the merge).
  const walkBuffers = walkEntries > FEED_WALK_CAP * 0.8 ? Infinity : walkEntries / ENTRIES_PER_PAGE + DESCENT_BUFFERS;
  const kind = walkBuffers < mergeBuffers ? 'feed-walk' : 'feed-merge';
  return { kind, authorIds, total: followedArticles };
}
