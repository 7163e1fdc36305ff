import { Injectable } from '@nestjs/common';
import type { Comment } from '@conduit/contracts';
import type { AuthUser } from '../auth/token.service.js';
import { forbidden, notFound, validationError } from '../common/api-errors.js';
import { ProfileRepository } from '../profiles/profile.repository.js';
import { toProfile } from '../profiles/profile.types.js';
import { CommentRepository, type CommentRecord } from './comment.repository.js';
import type { CreateCommentBody } from './comment.schemas.js';
import { parseCommentId } from './comment.schemas.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';

/**
 * The spec has no pagination for comments; this cap keeps one response (and one query)
 * bounded on a very busy article. Newest first, so the cap drops the oldest.
 */
export const MAX_COMMENTS_PER_RESPONSE = 500;

@Injectable()
export class CommentsService {
  constructor(
    private readonly comments: CommentRepository,
    private readonly profiles: ProfileRepository,
    private readonly invalidation: CacheInvalidation,
  ) {}

  /** 1 statement for the article, 1 for the comments with authors, +1 batched follow lookup if signed in. */
  async list(slug: string, viewer: AuthUser | undefined): Promise<Comment[]> {
    const articleId = await this.articleId(slug);
    const records = await this.comments.listByArticle(articleId, MAX_COMMENTS_PER_RESPONSE);
    const followed = viewer ? await this.profiles.followedAmong(viewer.id, records.map((c) => c.authorId)) : new Set<number>();
    return records.map((c) => toComment(c, followed.has(c.authorId)));
  }

  async create(slug: string, { comment }: CreateCommentBody, viewer: AuthUser): Promise<Comment> {
    const articleId = await this.articleId(slug);
    try {
      const created = toComment(await this.comments.create(articleId, viewer.id, comment.body), false);
      await this.invalidation.commentsChanged(slug);
      return created;
    } catch (error) {
      // The article was deleted between the lookup and the insert (foreign key violation).
      if ((error as { code?: string }).code === 'P2003') throw notFound('article');
      throw error;
    }
  }

  async delete(slug: string, rawId: string, viewer: AuthUser): Promise<void> {
    const id = parseCommentId(rawId);
    if (id === null) throw validationError({ id: ['must be a positive integer'] });
    const articleId = await this.articleId(slug);
    const owner = await this.comments.owner(id);
    if (!owner || owner.articleId !== articleId) throw notFound('comment');
    if (owner.authorId !== viewer.id) throw forbidden('comment');
    if (!(await this.comments.delete(id, articleId, viewer.id))) throw notFound('comment');
    await this.invalidation.commentsChanged(slug);
  }

  private async articleId(slug: string): Promise<number> {
    const id = await this.comments.articleIdBySlug(slug);
    if (id === null) throw notFound('article');
    return id;
  }
}

function toComment(c: CommentRecord, following: boolean): Comment {
  return {
    id: c.id,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    body: c.body,
    author: toProfile(c.author, following),
  };
}
