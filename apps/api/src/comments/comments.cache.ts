import { Inject, Injectable } from '@nestjs/common';
import type { VersionedCache } from '@conduit/cache';
import type { Comment } from '@conduit/contracts';
import type { AuthUser } from '../auth/token.service.js';
import { CacheTags, keyPart } from '../cache/cache-tags.js';
import { applyFlagsBytes, sharedBodyBytes, sharedEntry, sharedMeta } from '../cache/cached-response.js';
import { READ_CACHE } from '../cache/read-cache.token.js';
import type { CachedBody } from '../articles/article.cache.js';
import { notFound } from '../common/api-errors.js';
import { ProfileRepository } from '../profiles/profile.repository.js';
import { toProfile } from '../profiles/profile.types.js';
import { CommentRepository } from './comment.repository.js';
import { MAX_COMMENTS_PER_RESPONSE } from './comments.service.js';

/**
 * Cached GET /api/articles/:slug/comments. Key `comments:<slug>`; tags comments:<slug> (comment
 * created or deleted, article updated or deleted) and people (user updates); TTL CACHE_TTL_MS
 * jittered. `author.following` is per viewer: one batched lookup, cached under viewer:<id>.
 * Unknown articles (404) are not cached. Tests: apps/api/test/cache/read-cache.e2e.spec.ts.
 */
@Injectable()
export class CommentsCache {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly comments: CommentRepository,
    private readonly profiles: ProfileRepository,
  ) {}

  async list(slug: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: 'comments',
      key: `comments:${keyPart(slug)}`,
      tags: [CacheTags.comments(slug), CacheTags.people],
      local: true,
      compute: async () => {
        const articleId = await this.comments.articleIdBySlug(slug);
        if (articleId === null) throw notFound('article');
        const records = await this.comments.listByArticle(articleId, MAX_COMMENTS_PER_RESPONSE);
        const comments: Comment[] = records.map((c) => ({
          id: c.id,
          createdAt: c.createdAt.toISOString(),
          updatedAt: c.updatedAt.toISOString(),
          body: c.body,
          author: toProfile(c.author, false),
        }));
        return sharedEntry(records.map((c) => c.authorId).join(','), JSON.stringify({ comments }));
      },
      personal: viewer && {
        scope: String(viewer.id),
        tags: [CacheTags.viewer(viewer.id)],
        compute: async (shared) => {
          const meta = sharedMeta(shared);
          if (!meta) return '';
          const authorIds = meta.split(',').map(Number);
          const followed = await this.profiles.followedAmong(viewer.id, [...new Set(authorIds)]);
          return authorIds.map((id) => (followed.has(id) ? '1' : '0')).join('');
        },
      },
    });
    const body = viewer === undefined ? sharedBodyBytes(result.shared, result.handle) : applyFlagsBytes(result.shared, result.handle, result.personal);
    return { body, version: result.version };
  }
}
