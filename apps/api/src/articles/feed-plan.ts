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

/**
 * Index entries one author's range costs to find (root, inner, leaf: three buffers), counted like
 * the entries a scan then reads. An entry is about one buffer too, not 1/200 of one: the newest
 * articles are the ones the visibility map has not caught up with yet, so an "index-only" scan
 * fetches each from the heap (measured after a release-gate run: 2,454 heap fetches for 2,474
 * entries read).
 */
const DESCENT_ENTRIES = 3;
/**
 * How much thinner a reader's authors are among the newest articles than among all of them. The
 * walk reads newest first, and in a database that has lived the newest come from whoever writes
 * now: after a release-gate run, a reader of 10 authors who wrote 5% of all articles found their
 * newest 20 among the newest 2,474 (0.8%), six times deeper than their all-time share predicts.
 */
const RECENT_SKEW = 4;

/**
 * Picks the cheaper of two bounded feed plans from the reader's statistics (pattern: pick the
 * plan by cost; the planner cannot, since it does not know how dense one reader's authors are):
 * - merge: the newest offset+limit of each followed author, then the newest of those.
 *   Entries ~ following x 3 + min(following x (offset+limit), their articles). Right for a reader
 *   of a few authors, and of dozens.
 * - walk: the global time index, keeping the followed authors' rows. Entries ~
 *   (offset+limit) / (followed share of all articles) x RECENT_SKEW. Right for a reader of
 *   thousands (whose authors wrote a large share of everything), where merge would descend
 *   thousands of ranges. Taken only if that walk is under 80% of FEED_WALK_CAP entries.
 * Either way the cost depends on the reader's following and the page, not on the table's size.
 * Tested in feed-plan.spec.ts and apps/api/test/db/hot-queries.explain.spec.ts (both plans,
 * bounded buffers).
 */
export function chooseFeedPlan(stats: FeedStats, window: PageWindow): PageSource {
  const { authorIds, followedArticles, totalArticles } = stats;
  const depth = window.offset + window.limit;
  const mergeEntries = authorIds.length * DESCENT_ENTRIES + Math.min(authorIds.length * depth, followedArticles);
  const walk = followedArticles === 0 ? Infinity : depth * Math.max(1, totalArticles / followedArticles) * RECENT_SKEW;
  // Only when the expected walk fits well inside its cap (a short walk falls back to the merge).
  const walkEntries = walk > FEED_WALK_CAP * 0.8 ? Infinity : walk;
  const kind = walkEntries < mergeEntries ? 'feed-walk' : 'feed-merge';
  return { kind, authorIds, total: followedArticles };
}
