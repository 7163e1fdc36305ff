import { Inject, Injectable } from '@nestjs/common';
import { isForeignKeyViolation, type PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL, PRISMA } from '../database/database.module.js';
import { ReadRouter } from '../database/replica/read-router.js';
import { ClaimLost } from '../idempotency/claim-lost.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';

export interface CommentRecord {
  id: number;
  body: string;
  createdAt: Date;
  updatedAt: Date;
  authorId: number;
  author: { username: string; bio: string | null; image: string | null };
}

type CommentRow = { id: number; body: string; created_at: Date; updated_at: Date; author_id: number; username: string; bio: string | null; image: string | null };
/** A row of a statement that outer-joins the comment to its article: NULLs when there is none. */
type MaybeCommentRow = Omit<CommentRow, 'id'> & { id: number | null };

const toRecord = (r: CommentRow): CommentRecord => ({
  id: r.id,
  body: r.body,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  authorId: r.author_id,
  author: { username: r.username, bio: r.bio, image: r.image },
});

/** Comment queries. */
@Injectable()
export class CommentRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly router: ReadRouter,
  ) {}

  /** Index: articles_slug_key. */
  async articleIdBySlug(slug: string): Promise<number | null> {
    const rows = await sqlRows<{ id: number }>(this.pool, 'SELECT id FROM articles WHERE slug = $1', [slug]);
    return rows[0]?.id ?? null;
  }

  /** comments_pkey: one comment with its author (an idempotent replay of its create). */
  async byId(id: number): Promise<CommentRecord | null> {
    const rows = await sqlRows<CommentRow>(
      this.pool,
      `SELECT c.id, c.body, c.created_at, c.updated_at, c.author_id, u.username, u.bio, u.image FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * An article's comments, newest first, authors joined, found by the article's slug: one
   * statement for any number of comments (the slug lookup rides along, so a cache fill is one
   * round trip). null: no such article; []: an article without comments (one row of NULLs).
   * Indexes: articles_slug_key, comments_article_created_at_id_idx (article_id, created_at DESC,
   * id DESC), users_pkey. Test: apps/api/test/db/hot-queries.explain.spec.ts.
   */
  async listBySlug(slug: string, limit: number): Promise<CommentRecord[] | null> {
    const rows = await this.router.read((db) =>
      sqlRows<MaybeCommentRow>(
        db,
        `SELECT c.id, c.body, c.created_at, c.updated_at, c.author_id, u.username, u.bio, u.image
FROM articles a
LEFT JOIN LATERAL (
  SELECT c.id, c.body, c.created_at, c.updated_at, c.author_id FROM comments c
  WHERE c.article_id = a.id
  ORDER BY c.created_at DESC, c.id DESC
  LIMIT $2
) c ON TRUE
LEFT JOIN users u ON u.id = c.author_id
WHERE a.slug = $1
ORDER BY c.created_at DESC, c.id DESC`,
        [slug, limit],
      ),
    );
    if (rows.length === 0) return null;
    return rows.filter((r): r is CommentRow => r.id !== null).map(toRecord);
  }

  /**
   * One statement: the article's id by its slug, the insert and its author (Prisma's nested
   * create+select ran BEGIN, INSERT, SELECT, COMMIT: four round trips holding a pool connection,
   * and the slug lookup was one more). With an Idempotency-Key claim the same statement marks
   * the key with the comment's id, and inserts only while the key is still this claim's
   * (idempotency_keys_pkey): key and comment commit together or not at all.
   * 'no-article': no article has this slug (or it was deleted before the insert: foreign key).
   * Throws ClaimLost when the claim was taken over by a retry.
   */
  async createBySlug(slug: string, authorId: number, body: string, claim?: IdempotencyClaim): Promise<CommentRecord | 'no-article'> {
    try {
      const rows = await sqlRows<MaybeCommentRow & { article_found: boolean }>(
        this.pool,
        `WITH target AS (SELECT id FROM articles WHERE slug = $1
), new_id AS (SELECT nextval(pg_get_serial_sequence('comments', 'id'))::int AS id FROM target
), keyed AS (
  UPDATE idempotency_keys SET resource_id = (SELECT id FROM new_id)
  WHERE $4::text IS NOT NULL AND user_id = $2 AND key = $4 AND claim_token = $5::uuid AND resource_id IS NULL AND EXISTS (SELECT 1 FROM new_id)
  RETURNING 1
), c AS (
  INSERT INTO comments (id, article_id, author_id, body, updated_at)
  SELECT n.id, t.id, $2, $3, CURRENT_TIMESTAMP FROM new_id n CROSS JOIN target t WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM keyed)
  RETURNING id, body, created_at, updated_at, author_id
)
SELECT EXISTS (SELECT 1 FROM target) AS article_found, c.id, c.body, c.created_at, c.updated_at, c.author_id, u.username, u.bio, u.image
FROM (SELECT 1) one LEFT JOIN c ON TRUE LEFT JOIN users u ON u.id = c.author_id`,
        [slug, authorId, body, claim?.key ?? null, claim?.token ?? null],
      );
      const row = rows[0];
      if (!row?.article_found) return 'no-article';
      // The article is there but nothing was inserted: only a claim taken over by a retry does that.
      if (row.id === null) throw claim ? new ClaimLost() : new Error('comment insert returned no row');
      return toRecord(row as CommentRow);
    } catch (error) {
      if (isForeignKeyViolation(error)) return 'no-article';
      throw error;
    }
  }

  /** Index: comments_pkey. */
  async owner(commentId: number): Promise<{ articleId: number; authorId: number } | null> {
    return this.prisma.comment.findUnique({ where: { id: commentId }, select: { articleId: true, authorId: true } });
  }

  /** The WHERE repeats the authorization (author) and the article it must belong to. */
  async delete(commentId: number, articleId: number, authorId: number): Promise<boolean> {
    const { count } = await this.prisma.comment.deleteMany({ where: { id: commentId, articleId, authorId } });
    return count > 0;
  }
}
