import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';
import { ReadRouter } from '../database/replica/read-router.js';
import { ARTICLE_LIST_COLUMNS, buildCombinedPageSql, buildSourcedPageSql, sourceForFilter } from './article-list.sql.js';
import type { ArticleCore, ArticleFilter, ArticlePage, PageWindow } from './article.types.js';
import { toCore, type ArticleRow } from './article-row.js';
import { chooseFeedPlan, type FeedStats } from './feed-plan.js';

/**
 * The article read path in hand-written SQL on the shared pg pool (these run on every page
 * view; measured on this project's box, Prisma 7's findUnique used ~40% more Node CPU per query
 * than `pg` at the same ~30k queries/s). Every method is ONE
 * statement whatever the page size: no N+1.
 * Test: apps/api/test/articles/list-statement-count.int.spec.ts counts them.
 */
@Injectable()
export class ArticleReadRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly router: ReadRouter,
  ) {}

  /** A page + total in one statement (indexes and bounds: see article-list.sql.ts). */
  page(filter: ArticleFilter, window: PageWindow): Promise<ArticlePage> {
    const source = sourceForFilter(filter);
    const { text, values } = source ? buildSourcedPageSql(source, window) : buildCombinedPageSql(filter, window);
    return this.runPage(text, values);
  }

  /** The feed: the reader's follow statistics, then a page by the cheaper plan (feed-plan.ts). */
  async feedPage(viewerId: number, window: PageWindow): Promise<ArticlePage> {
    const stats = await this.feedStats(viewerId);
    if (stats.authorIds.length === 0) return { items: [], articlesCount: 0 };
    const plan = chooseFeedPlan(stats, window);
    const { text, values } = buildSourcedPageSql(plan, window);
    const page = await this.runPage(text, values);
    // The walk reads a capped window of the newest articles: if that held fewer of the reader's
    // articles than the page needs (their authors went quiet), the merge answers exactly.
    const short = page.items.length < window.limit && window.offset + page.items.length < stats.followedArticles;
    if (plan.kind !== 'feed-walk' || !short) return page;
    const merge = buildSourcedPageSql({ ...plan, kind: 'feed-merge' }, window);
    return this.runPage(merge.text, merge.values);
  }

  /**
   * Followed authors and their article count. Index: follows_pkey (follower_id, ...), then
   * users_pkey per followed author (a LATERAL with LIMIT 1, so never a hash join over users):
   * O(following), independent of the number of articles; the total is the sum of at most 16
   * article_totals shard rows.
   */
  async feedStats(viewerId: number): Promise<FeedStats> {
    const rows = await this.router.read((db) =>
      sqlRows<{ ids: number[]; followed: number; total: number }>(
        db,
        `SELECT COALESCE(array_agg(f.following_id), '{}') AS ids, COALESCE(sum(u.articles_count), 0)::int AS followed,
  (SELECT COALESCE(sum(articles_count), 0)::int FROM article_totals) AS total
FROM follows f
CROSS JOIN LATERAL (SELECT articles_count FROM users WHERE id = f.following_id LIMIT 1) u
WHERE f.follower_id = $1`,
        [viewerId],
      ),
    );
    const row = rows[0];
    return { authorIds: row?.ids ?? [], followedArticles: row?.followed ?? 0, totalArticles: row?.total ?? 0 };
  }

  private async runPage(text: string, values: unknown[]): Promise<ArticlePage> {
    const rows = await this.router.read((db) => sqlRows<ArticleRow & { total: number; id: number | null }>(db, text, values));
    return {
      articlesCount: rows[0]?.total ?? 0,
      // An offset past the end yields one row with the total and NULL article columns.
      items: rows.filter((r) => r.id !== null).map(toCore),
    };
  }

  /** Index: articles_slug_key (unique); author by users_pkey. */
  async bySlug(slug: string): Promise<ArticleCore | null> {
    const rows = await this.router.read((db) => sqlRows<ArticleRow>(db, `SELECT ${ARTICLE_LIST_COLUMNS}, a.body FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1`, [slug]));
    return rows[0] ? toCore(rows[0]) : null;
  }

  /** Id and owner of an article, for authorization before a write (on the primary). Index: articles_slug_key. */
  async ownerBySlug(slug: string): Promise<{ id: number; authorId: number } | null> {
    const rows = await sqlRows<{ id: number; author_id: number }>(this.pool, 'SELECT id, author_id FROM articles WHERE slug = $1', [slug]);
    return rows[0] ? { id: rows[0].id, authorId: rows[0].author_id } : null;
  }
}
