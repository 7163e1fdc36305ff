import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { rethrowAsDomainError } from '../common/domain-errors.js';
import { pgErrorCode, sqlRows } from '../common/sql.js';
import { PG_POOL, PRISMA } from '../database/database.module.js';
import { ClaimLost } from '../idempotency/claim-lost.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';
import { buildCreateArticleSql } from './article-create.sql.js';
import { toCore, type ArticleRow } from './article-row.js';
import type { ArticleCore } from './article.types.js';

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
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  /**
   * Two statements, no interactive transaction (no pool connection held across round trips):
   * 1. the tag rows, upserted on their own: a tag with no article is harmless (it is "in use"
   *    only with a positive count) and a retry finds it;
   * 2. ONE statement (article-create.sql.ts) inserts the article and its article_tags rows (atomic: both or neither; a
   *    new snapshot, so it sees tags committed by concurrent creates meanwhile). The triggers keep
   *    the counters in the same statement. article_tags go in tag id order (lock order of the tag
   *    count shards, migration 20261202020000_tag_count_shards).
   *    With an Idempotency-Key claim, the same statement marks the key with the article's id
   *    (idempotency_keys_pkey), and inserts the article only if the key is still this claim's
   *    (claim_token): the key and the article commit together or not at all.
   * Returns the new article as its author sees it (read back by the same statement) and whether a
   * tag came into use (no committed article had it): only then does GET /api/tags change.
   * Throws UniqueConflict(['slug']) on a slug collision, ClaimLost when the claim was taken over.
   * Indexes: tags_name_key, articles_slug_key, article_tags_pkey, tag_article_counts_pkey, idempotency_keys_pkey.
   */
  async create(authorId: number, article: NewArticle, claim?: IdempotencyClaim): Promise<{ tagsEnteredUse: boolean; created: ArticleCore }> {
    const tags = article.tagList;
    try {
      if (tags.length > 0) await sqlRows(this.pool, 'INSERT INTO tags (name) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (name) DO NOTHING', [tags]);
      const statement = buildCreateArticleSql({ ...article, authorId, claim });
      const rows = await sqlRows<ArticleRow & { tags_in_use: number }>(this.pool, statement.text, statement.values);
      // No row: the article was not inserted (the idempotency claim was taken over).
      const row = rows[0];
      if (!row) throw new ClaimLost();
      // tags_in_use reads the counts as committed before this statement.
      return { tagsEnteredUse: row.tags_in_use < tags.length, created: toCore(row) };
    } catch (error) {
      if (error instanceof ClaimLost) throw error;
      return rethrowAsDomainError(error);
    }
  }

  /** articles_pkey: the slug of an article created earlier (an idempotent replay). */
  async slugById(id: number): Promise<string | null> {
    const rows = await sqlRows<{ slug: string }>(this.pool, 'SELECT slug FROM articles WHERE id = $1', [id]);
    return rows[0]?.slug ?? null;
  }

  /**
   * Updates only if `authorId` still owns the article (the WHERE repeats the authorization,
   * so a concurrent change of ownership or a delete cannot slip in). tag_list (display copy)
   * and article_tags (filter index) are replaced in the same transaction.
   * Returns null when no row matched; throws UniqueConflict(['slug']) when a new slug is taken.
   */
  update(articleId: number, authorId: number, changes: ArticleChanges): Promise<{ oldTags: string[] } | null> {
    return this.prisma
      .$transaction(async (tx) => {
        // Locks the row and reads the tags it had: the caller invalidates the old tags' lists too.
        const before = await tx.$queryRaw<Array<{ tag_list: string[] }>>`SELECT tag_list FROM articles WHERE id = ${articleId} AND author_id = ${authorId} FOR UPDATE`;
        if (before.length === 0) return null;
        const { count } = await tx.article.updateMany({ where: { id: articleId, authorId }, data: changes });
        if (count === 0) return null;
        if (changes.tagList) {
          await tx.articleTag.deleteMany({ where: { articleId } });
          await linkTags(tx, articleId, changes.tagList);
        }
        return { oldTags: before[0].tag_list ?? [] };
      })
      .catch(rethrowAsDomainError);
  }

  /** Favorites, comments and article_tags go with it (ON DELETE CASCADE). Returns its tags, or null. */
  async delete(articleId: number, authorId: number): Promise<{ tags: string[] } | null> {
    const rows = await sqlRows<{ tag_list: string[] | null }>(this.pool, 'DELETE FROM articles WHERE id = $1 AND author_id = $2 RETURNING tag_list', [articleId, authorId]);
    return rows[0] ? { tags: rows[0].tag_list ?? [] } : null;
  }

  /**
   * Pattern "counter in the same transaction as the row it counts": one statement (one
   * implicit transaction) inserts the favorites row with ON CONFLICT DO NOTHING and bumps
   * favorites_count only if a row was really inserted. Favoriting twice, or concurrently, is
   * idempotent and the counter never drifts; lists never COUNT(*) favorites.
   * The same statement reads the article back as the response needs it (with its body, its
   * author and whether the viewer follows them): one round trip for the whole request.
   * Tests: apps/api/test/articles/favorites.e2e.spec.ts ("concurrent favorites"),
   * list-statement-count.int.spec.ts (one statement).
   * Indexes: articles_slug_key, favorites_pkey, articles_pkey, users_pkey, follows_pkey.
   * Returns the article as the viewer now sees it, or null when the slug does not exist.
   */
  async favorite(userId: number, slug: string): Promise<FavoriteResult | null> {
    const rows = await foreignKeyAsMissing(
      sqlRows<FavoriteRow>(
        this.pool,
        `WITH target AS (SELECT id FROM articles WHERE slug = $2),
inserted AS (
  INSERT INTO favorites (user_id, article_id) SELECT $1, id FROM target
  ON CONFLICT (user_id, article_id) DO NOTHING
  RETURNING article_id
),
counted AS (UPDATE articles SET favorites_count = favorites_count + 1 WHERE id IN (SELECT article_id FROM inserted) RETURNING favorites_count)
${READ_BACK}`,
        [userId, slug],
      ),
    );
    return readBack(rows, true);
  }

  /** The mirror of favorite(): decrements only if a favorites row was really deleted. */
  async unfavorite(userId: number, slug: string): Promise<FavoriteResult | null> {
    const rows = await sqlRows<FavoriteRow>(
      this.pool,
      `WITH target AS (SELECT id FROM articles WHERE slug = $2),
deleted AS (DELETE FROM favorites WHERE user_id = $1 AND article_id IN (SELECT id FROM target) RETURNING article_id),
counted AS (UPDATE articles SET favorites_count = GREATEST(favorites_count - 1, 0) WHERE id IN (SELECT article_id FROM deleted) RETURNING favorites_count)
${READ_BACK}`,
      [userId, slug],
    );
    return readBack(rows, false);
  }
}

/** A favorite or unfavorite as the viewer now sees the article. */
export interface FavoriteResult {
  article: ArticleCore;
  favorited: boolean;
  /** Whether the viewer follows the article's author. */
  following: boolean;
}

type FavoriteRow = ArticleRow & { following: boolean };

/**
 * The last SELECT of favorite()/unfavorite(). The statement's snapshot predates its own UPDATE,
 * so the new count comes from `counted` when the row changed, else from the article as read.
 */
const READ_BACK = `SELECT a.id, a.slug, a.title, a.description, a.body, a.tag_list,
  COALESCE((SELECT favorites_count FROM counted), a.favorites_count) AS favorites_count,
  a.author_id, a.created_at, a.updated_at, u.username, u.bio, u.image,
  EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.following_id = a.author_id) AS following
FROM target t JOIN articles a ON a.id = t.id JOIN users u ON u.id = a.author_id`;

function readBack(rows: FavoriteRow[], favorited: boolean): FavoriteResult | null {
  const row = rows[0];
  return row ? { article: toCore(row), favorited, following: row.following } : null;
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
  await tx.$executeRaw`INSERT INTO article_tags (article_id, tag_id) SELECT ${articleId}, id FROM tags WHERE name = ANY(${tags}::text[]) ORDER BY id ON CONFLICT DO NOTHING`;
}
