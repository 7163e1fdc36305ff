import { Inject, Injectable } from '@nestjs/common';
import type { VersionedCache } from '@conduit/cache';
import { CacheTags } from '@conduit/cache';
import { ReadRouter } from '../database/replica/read-router.js';
import { READ_CACHE } from './read-cache.token.js';

/** Where an article shows in lists: its author and its tags (old and new ones on an update). */
export interface ArticlePlacement {
  slugs: string[];
  authorUsername: string;
  tags: string[];
}

/**
 * What each write invalidates (pattern: tag-versioned invalidation, scoped to the lists that can
 * show the change). Called by the services AFTER the write committed and BEFORE the response,
 * so the writer's next read shows it:
 * - the writer (an authenticated read, which always checks the versions in Redis): at once, on
 *   any instance;
 * - anonymous readers: at once on the writer's instance, within CACHE_LOCAL_TTL_MS (1 s) on the
 *   others (their in-process copy), plus CACHE_STALE_ON_OVERLOAD_MS (10 s) while such an instance
 *   is shedding anonymous reads (an answer a little older instead of a 503);
 * - if Redis was unreachable during the write: the writer's instance stops using Redis until it
 *   has rotated the global epoch (retried every 500 ms), which invalidates every entry; until
 *   then other instances may serve the pre-write entry (bounded by CACHE_TTL_MS).
 *
 * | write | bumps | stays warm |
 * |---|---|---|
 * | create article | global list, its tags' lists, its author's list, GET /tags if a tag came into use | other tags', authors', favorited lists; GET /tags when all its tags were in use |
 * | update / delete article | the article (old and new slug) and its comments, global list, old and new tags' lists, author's list, favorited lists, GET /tags | other tags' and authors' lists |
 * | favorite / unfavorite | the article, the favoriter's flags, and the lists that embed its favoritesCount: global, its tags', its author's, favorited lists | other tags' and authors' lists |
 * | follow / unfollow | the follower's flags | every shared page |
 * | comment | the article's comments | everything else |
 * | profile (username, bio, image) | every embedded copy (people) | nothing shared (rare) |
 * The feed is per reader and not cached.
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts ("no stale read after ...") and
 * apps/api/test/cache/scoped-invalidation.e2e.spec.ts (unrelated pages stay warm).
 */
@Injectable()
export class CacheInvalidation {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly reads: ReadRouter,
  ) {}

  /**
   * A new article: the lists it enters. Nothing cached embeds it yet. GET /api/tags changes only
   * when one of its tags had no article before (most creates reuse popular tags).
   */
  articleCreated(placement: ArticlePlacement, { tagsEnteredUse }: { tagsEnteredUse: boolean }): Promise<void> {
    return this.invalidate([CacheTags.listAll, ...(tagsEnteredUse ? [CacheTags.tagList] : []), CacheTags.listAuthor(placement.authorUsername), ...placement.tags.map(CacheTags.listTag)]);
  }

  /** Update (old and new slug, old and new tags) or delete of an article. */
  articleChanged(placement: ArticlePlacement): Promise<void> {
    return this.invalidate([
      CacheTags.listAll,
      CacheTags.listFavorited,
      CacheTags.tagList,
      CacheTags.listAuthor(placement.authorUsername),
      ...new Set(placement.tags.map(CacheTags.listTag)),
      ...new Set(placement.slugs.flatMap((s) => [CacheTags.article(s), CacheTags.comments(s)])),
    ]);
  }

  /** Favorite / unfavorite: favoritesCount wherever the article shows, and the viewer's flags. */
  favoriteChanged(placement: ArticlePlacement, viewerId: number): Promise<void> {
    return this.invalidate([
      CacheTags.listAll,
      CacheTags.listFavorited,
      CacheTags.listAuthor(placement.authorUsername),
      ...placement.tags.map(CacheTags.listTag),
      ...placement.slugs.map(CacheTags.article),
      CacheTags.viewer(viewerId),
    ]);
  }

  /** Follow / unfollow: only the follower's `following` flags change. */
  followChanged(followerId: number): Promise<void> {
    return this.invalidate([CacheTags.viewer(followerId)]);
  }

  /** A comment added or deleted. */
  commentsChanged(slug: string): Promise<void> {
    return this.invalidate([CacheTags.comments(slug)]);
  }

  /**
   * Before any version moves, the write's WAL position becomes the replica watermark
   * (database/replica/write-watermark.ts): from then on no read, and so no cache fill, can come
   * from a replica that has not replayed this write.
   */
  private async invalidate(tags: string[]): Promise<void> {
    await this.reads.recordWrite();
    await this.cache.invalidate(tags);
  }

  /** Username, bio or image changed: every embedded copy of the profile. (Rare.) */
  profileChanged(): Promise<void> {
    return this.invalidate([CacheTags.people]);
  }
}
