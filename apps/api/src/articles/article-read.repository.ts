import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';
import { ARTICLE_LIST_COLUMNS, buildArticlePageSql, type ArticleSelection } from './article-list.sql.js';
import type { ArticleCore, ArticlePage, PageWindow, ViewerFlags } from './article.types.js';

interface ArticleRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  body?: string;
  tag_list: string[] | null;
  favorites_count: number;
  author_id: number;
  created_at: Date;
  updated_at: Date;
  username: string;
  bio: string | null;
  image: string | null;
}

/**
 * The article read path in hand-written SQL on the shared pg pool (these run on every page
 * view; Prisma would cost ~40% more CPU per query, see FIELD-NOTES). Every method is ONE
 * statement whatever the page size: no N+1.
 * Test: apps/api/test/articles/list-statement-count.int.spec.ts counts them.
 */
@Injectable()
export class ArticleReadRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** A page + total in one statement (indexes: see buildArticlePageSql). */
  async page(selection: ArticleSelection, window: PageWindow): Promise<ArticlePage> {
    const { text, values } = buildArticlePageSql(selection, window);
    const rows = await sqlRows<ArticleRow & { total: number; id: number | null }>(this.pool, text, values);
    return {
      articlesCount: rows[0]?.total ?? 0,
      // An offset past the end yields one row with the total and NULL article columns.
      items: rows.filter((r) => r.id !== null).map(toCore),
    };
  }

  /** Index: articles_slug_key (unique); author by users_pkey. */
  async bySlug(slug: string): Promise<ArticleCore | null> {
    const rows = await sqlRows<ArticleRow>(
      this.pool,
      `SELECT ${ARTICLE_LIST_COLUMNS}, a.body FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1`,
      [slug],
    );
    return rows[0] ? toCore(rows[0]) : null;
  }

  /** Id and owner of an article, for authorization before a write. Index: articles_slug_key. */
  async ownerBySlug(slug: string): Promise<{ id: number; authorId: number } | null> {
    const rows = await sqlRows<{ id: number; author_id: number }>(this.pool, 'SELECT id, author_id FROM articles WHERE slug = $1', [slug]);
    return rows[0] ? { id: rows[0].id, authorId: rows[0].author_id } : null;
  }

  /**
   * The per-viewer overlay for a whole page in ONE statement: which of these authors the
   * viewer follows and which of these articles they favorited.
   * Indexes: follows_pkey (follower_id, following_id), favorites_pkey (user_id, article_id).
   */
  async viewerFlags(viewerId: number, authorIds: number[], articleIds: number[]): Promise<ViewerFlags> {
    const rows = await sqlRows<{ kind: 'follow' | 'favorite'; id: number }>(
      this.pool,
      `SELECT 'follow' AS kind, following_id AS id FROM follows WHERE follower_id = $1 AND following_id = ANY($2::int[])
UNION ALL
SELECT 'favorite' AS kind, article_id AS id FROM favorites WHERE user_id = $1 AND article_id = ANY($3::int[])`,
      [viewerId, [...new Set(authorIds)], articleIds],
    );
    const followedAuthorIds = new Set<number>();
    const favoritedArticleIds = new Set<number>();
    for (const row of rows) (row.kind === 'follow' ? followedAuthorIds : favoritedArticleIds).add(row.id);
    return { followedAuthorIds, favoritedArticleIds };
  }
}

function toCore(row: ArticleRow): ArticleCore {
  return {
    id: row.id,
    authorId: row.author_id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    ...(row.body !== undefined ? { body: row.body } : {}),
    tagList: row.tag_list ?? [],
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    favoritesCount: row.favorites_count,
    author: { username: row.username, bio: row.bio, image: row.image },
  };
}
