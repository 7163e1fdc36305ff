import { Injectable } from '@nestjs/common';
import type { Comment, AuthUser } from '@conduit/contracts';
import { forbidden, notFound, validationError } from '../common/api-errors.js';
import { toProfile } from '../profiles/profile.types.js';
import { CommentRepository, type CommentRecord } from './comment.repository.js';
import type { CreateCommentBody } from './comment.schemas.js';
import { parseCommentId } from './comment.schemas.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';

/**
 * The spec has no pagination for comments; this cap keeps one response (and one query)
 * bounded on a very busy article. Newest first, so the cap drops the oldest.
 */
export const MAX_COMMENTS_PER_RESPONSE = 500;

@Injectable()
export class CommentsService {
  constructor(
    private readonly comments: CommentRepository,
    private readonly invalidation: CacheInvalidation,
  ) {}

  /** With an Idempotency-Key claim the key commits with the comment; `replayOf` answers with the comment created earlier. */
  async create(slug: string, { comment }: CreateCommentBody, viewer: AuthUser, claim?: IdempotencyClaim): Promise<Comment> {
    if (claim?.replayOf !== undefined) {
      const earlier = await this.comments.byId(claim.replayOf);
      if (!earlier) throw notFound('comment'); // created, then deleted
      return toComment(earlier, false);
    }
    const created = await this.comments.createBySlug(slug, viewer.id, comment.body, claim);
    if (created === 'no-article') throw notFound('article');
    await this.invalidation.commentsChanged(slug);
    return toComment(created, false);
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
