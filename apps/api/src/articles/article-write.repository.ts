import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { pgErrorCode, sqlRows } from '../common/sql.js';
import { PG_POOL, PRISMA } from '../database/database.module.js';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface NewArticle {
  slug: string;
  title: string;
  description: string;
  body: string;
  /** Deduplicated and sorted (see article.schemas.ts). */
  tagList: string[];
}

export type ArticleChanges = Partial<NewArticle>;

/** Article writes. Each one is a single transaction: nothing is ever half-written. */
@Injectable()
export class ArticleWriteRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient, @Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Article row, tag rows and article_tags rows commit together. Throws P2002 on a slug collision. */
  create(authorId: number, article: NewArticle): Promise<void> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.article.create({ data: { ...article, authorId }, select: { id: true } });
      await linkTags(tx, created.id, article.tagList);
    });
  }

  /**
   * Updates only if `authorId` still owns the article (the WHERE repeats the authorization,
   * so a concurrent change of ownership or a delete cannot slip in). tag_list (display copy)
   * and article_tags (filter index) are replaced in the same transaction.
   * Returns false when no row matched.
   */
  update(articleId: number, authorId: number, changes: ArticleChanges): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.article.updateMany({ where: { id: articleId, authorId }, data: changes });
      if (count === 0) return false;
      if (changes.tagList) {
        await tx.articleTag.deleteMany({ where: { articleId } });
        await linkTags(tx, articleId, changes.tagList);
      }
      return true;
    });
  }

  /** Favorites, comments and article_tags go with it (ON DELETE CASCADE). */
  async delete(articleId: number, authorId: number): Promise<boolean> {
    const { count } = await this.prisma.article.deleteMany({ where: { id: articleId, authorId } });
    return count > 0;
  }

  /**
   * Pattern "counter in the same transaction as the row it counts": one statement (one
   * implicit transaction) inserts the favorites row with ON CONFLICT DO NOTHING and bumps
   * favorites_count only if a row was really inserted. Favoriting twice, or concurrently, is
   * idempotent and the counter never drifts; lists never COUNT(*) favorites.
   * Test: apps/api/test/articles/favorites.e2e.spec.ts ("concurrent favorites").
   * Indexes: articles_slug_key, favorites_pkey, articles_pkey.
   * Returns false when the slug does not exist.
   */
  async favorite(userId: number, slug: string): Promise<boolean> {
    const rows = await foreignKeyAsMissing(sqlRows<{ article_id: number | null }>(
      this.pool,
      `WITH target AS (SELECT id FROM articles WHERE slug = $2),
inserted AS (
  INSERT INTO favorites (user_id, article_id) SELECT $1, id FROM target
  ON CONFLICT (user_id, article_id) DO NOTHING
  RETURNING article_id
),
counted AS (UPDATE articles SET favorites_count = favorites_count + 1 WHERE id IN (SELECT article_id FROM inserted) RETURNING id)
SELECT (SELECT id FROM target) AS article_id`,
      [userId, slug],
    ));
    return rows[0]?.article_id != null;
  }

  /** The mirror of favorite(): decrements only if a favorites row was really deleted. */
  async unfavorite(userId: number, slug: string): Promise<boolean> {
    const rows = await sqlRows<{ article_id: number | null }>(
      this.pool,
      `WITH target AS (SELECT id FROM articles WHERE slug = $2),
deleted AS (DELETE FROM favorites WHERE user_id = $1 AND article_id IN (SELECT id FROM target) RETURNING article_id),
counted AS (UPDATE articles SET favorites_count = GREATEST(favorites_count - 1, 0) WHERE id IN (SELECT article_id FROM deleted) RETURNING id)
SELECT (SELECT id FROM target) AS article_id`,
      [userId, slug],
    );
    return rows[0]?.article_id != null;
  }
}

/** The article was deleted between the lookup and the insert (FK violation): same as not found. */
async function foreignKeyAsMissing<R>(rows: Promise<R[]>): Promise<R[]> {
  try {
    return await rows;
  } catch (error) {
    if (pgErrorCode(error) === '23503') return [];
    throw error;
  }
}

/**
 * Upserts the tag rows and links them, inside the article's transaction. Names arrive sorted,
 * so concurrent transactions lock new tag rows in the same order (no deadlock).
 * Indexes: tags_name_key (ON CONFLICT and lookup), article_tags_pkey.
 */
async function linkTags(tx: Tx, articleId: number, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  await tx.tag.createMany({ data: tags.map((name) => ({ name })), skipDuplicates: true });
  await tx.$executeRaw`INSERT INTO article_tags (article_id, tag_id) SELECT ${articleId}, id FROM tags WHERE name = ANY(${tags}::text[]) ON CONFLICT DO NOTHING`;
}
