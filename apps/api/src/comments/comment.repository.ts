import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL, PRISMA } from '../database/database.module.js';

export interface CommentRecord {
  id: number;
  body: string;
  createdAt: Date;
  updatedAt: Date;
  authorId: number;
  author: { username: string; bio: string | null; image: string | null };
}

/** Comment queries. */
@Injectable()
export class CommentRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool, @Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Index: articles_slug_key. */
  async articleIdBySlug(slug: string): Promise<number | null> {
    const rows = await sqlRows<{ id: number }>(this.pool, 'SELECT id FROM articles WHERE slug = $1', [slug]);
    return rows[0]?.id ?? null;
  }

  /**
   * Newest first, authors joined: one statement for any number of comments.
   * Indexes: comments_article_created_at_id_idx (article_id, created_at DESC, id DESC), users_pkey.
   */
  async listByArticle(articleId: number, limit: number): Promise<CommentRecord[]> {
    const rows = await sqlRows<{ id: number; body: string; created_at: Date; updated_at: Date; author_id: number; username: string; bio: string | null; image: string | null }>(
      this.pool,
      `SELECT c.id, c.body, c.created_at, c.updated_at, c.author_id, u.username, u.bio, u.image
FROM comments c JOIN users u ON u.id = c.author_id
WHERE c.article_id = $1
ORDER BY c.created_at DESC, c.id DESC
LIMIT $2`,
      [articleId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      body: r.body,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      authorId: r.author_id,
      author: { username: r.username, bio: r.bio, image: r.image },
    }));
  }

  async create(articleId: number, authorId: number, body: string): Promise<CommentRecord> {
    const created = await this.prisma.comment.create({
      data: { articleId, authorId, body },
      select: { id: true, body: true, createdAt: true, updatedAt: true, authorId: true, author: { select: { username: true, bio: true, image: true } } },
    });
    return created;
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
