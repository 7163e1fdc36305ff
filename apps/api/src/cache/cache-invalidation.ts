import { Inject, Injectable } from '@nestjs/common';
import type { VersionedCache } from '@conduit/cache';
import { CacheTags } from './cache-tags.js';
import { READ_CACHE } from './read-cache.token.js';

/**
 * What each write invalidates (pattern: tag-versioned invalidation). Called by the services
 * AFTER the write committed and BEFORE the response, so the writer's next read shows it:
 * - the writer (an authenticated read, which always checks the versions in Redis): at once, on
 *   any instance;
 * - anonymous readers: at once on the writer's instance, within CACHE_LOCAL_TTL_MS (1 s) on the
 *   others (their in-process copy);
 * - if Redis was unreachable during the write: the writer's instance stops using Redis until it
 *   has rotated the global epoch (retried every 500 ms), which invalidates every entry; until
 *   then other instances may serve the pre-write entry (bounded by CACHE_TTL_MS).
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts ("no stale read after ...").
 */
@Injectable()
export class CacheInvalidation {
  constructor(@Inject(READ_CACHE) private readonly cache: VersionedCache) {}

  /** Create, update (old and new slug) or delete of an article. */
  articlesChanged(slugs: string[]): Promise<void> {
    return this.cache.invalidate([CacheTags.lists, CacheTags.tagList, ...new Set(slugs.flatMap((s) => [CacheTags.article(s), CacheTags.comments(s)]))]);
  }

  /** Favorite / unfavorite: favoritesCount in lists and the article, and the viewer's flags. */
  favoriteChanged(slug: string, viewerId: number): Promise<void> {
    return this.cache.invalidate([CacheTags.lists, CacheTags.article(slug), CacheTags.viewer(viewerId)]);
  }

  /** Follow / unfollow: only the follower's `following` flags change. */
  followChanged(followerId: number): Promise<void> {
    return this.cache.invalidate([CacheTags.viewer(followerId)]);
  }

  /** A comment added or deleted. */
  commentsChanged(slug: string): Promise<void> {
    return this.cache.invalidate([CacheTags.comments(slug)]);
  }

  /** Username, bio or image changed: every embedded copy of the profile. (Rare.) */
  profileChanged(): Promise<void> {
    return this.cache.invalidate([CacheTags.people]);
  }
}
