import { Injectable } from '@nestjs/common';
import { CacheTags, keyPart } from '@conduit/cache';
import type { Comment, AuthUser } from '@conduit/contracts';
import type { CachedBody, Freshness } from '../cache/cached-response.js';
import { ViewerOverlayCache } from '../cache/viewer-overlay.cache.js';
import { notFound } from '../common/api-errors.js';
import { toProfile } from '../profiles/profile.types.js';
import { CommentRepository } from './comment.repository.js';
import { MAX_COMMENTS_PER_RESPONSE } from './comments.service.js';

/**
 * Cached GET /api/articles/:slug/comments. Key `comments:<slug>`; tags comments:<slug> (comment
 * created or deleted, article updated or deleted) and people (user updates); TTL CACHE_TTL_MS
 * jittered. `author.following` is per viewer: from their cached follows (ViewerOverlayCache).
 * Unknown articles (404) are not cached. Tests: apps/api/test/cache/read-cache.e2e.spec.ts.
 */
@Injectable()
export class CommentsCache {
  constructor(
    private readonly cache: ViewerOverlayCache,
    private readonly comments: CommentRepository,
  ) {}

  /** The anonymous list from this instance's memory, or undefined (then `list`). No I/O. */
  peekAnonymous(slug: string, freshness: Freshness = 'fresh'): CachedBody | undefined {
    return this.cache.peekAnonymous('comments', commentsKey(slug), freshness);
  }

  list(slug: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    return this.cache.read(viewer, {
      cache: 'comments',
      key: commentsKey(slug),
      tags: [CacheTags.comments(slug), CacheTags.people],
      compute: async () => {
        const records = await this.comments.listBySlug(slug, MAX_COMMENTS_PER_RESPONSE);
        if (records === null) throw notFound('article');
        const comments: Comment[] = records.map((c) => ({
          id: c.id,
          createdAt: c.createdAt.toISOString(),
          updatedAt: c.updatedAt.toISOString(),
          body: c.body,
          author: toProfile(c.author, false),
        }));
        return { meta: records.map((c) => c.authorId).join(','), body: JSON.stringify({ comments }) };
      },
      overlay: async (source, _viewerId, meta) => {
        if (!meta) return '';
        const authorIds = meta.split(',').map(Number);
        const { followedAuthorIds } = await source.among([...new Set(authorIds)], []);
        return authorIds.map((id) => (followedAuthorIds.has(id) ? '1' : '0')).join('');
      },
    });
  }
}

const commentsKey = (slug: string) => `comments:${keyPart(slug)}`;
