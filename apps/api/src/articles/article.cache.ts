import { Inject, Injectable } from '@nestjs/common';
import type { VersionedCache } from '@conduit/cache';
import type { AuthUser } from '../auth/token.service.js';
import { CacheTags, keyPart } from '../cache/cache-tags.js';
import { applyFlagsBytes, sharedBodyBytes, sharedEntry, sharedMeta } from '../cache/cached-response.js';
import { READ_CACHE } from '../cache/read-cache.token.js';
import { notFound } from '../common/api-errors.js';
import { ArticleReadRepository } from './article-read.repository.js';
import { ArticleReadService } from './article-read.service.js';
import { NO_VIEWER_FLAGS, toArticleView, toSingleArticle, type ArticleCore } from './article.types.js';
import type { ListArticlesQuery } from './article.schemas.js';

export interface CachedBody {
  /** Bytes when encoded once for an in-process entry, else the JSON string. */
  body: string | Buffer;
  /** Cache version (the ETag); null when Redis could not be asked. */
  version: string | null;
}

/**
 * Cached article reads (pattern: cache-aside of the shared part + per-viewer overlay).
 *
 * | read | key | tags (invalidated by) | TTL |
 * |---|---|---|---|
 * | GET /api/articles (global, ?tag, ?author, ?favorited) | `list:<tag>|<author>|<favorited>|<limit>|<offset>` | lists (article create/update/delete, favorite), people (user update) | CACHE_TTL_MS, jittered |
 * | GET /api/articles/:slug | `article:<slug>` | article:<slug> (update/delete/favorite of it), people | same |
 *
 * The entry is the anonymous response (flags false) plus the ids the overlay needs; a signed-in
 * viewer's flags come from one batched query (ArticleReadRepository.viewerFlags), cached per
 * viewer under viewer:<id> (bumped by their favorites and follows), and are spliced into the
 * bytes (applyFlags). Anonymous reads may be served by the in-process layer.
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts, stampede.e2e.spec.ts, redis-outage.e2e.spec.ts.
 * Benchmark: npm run bench:cache.
 */
@Injectable()
export class ArticleCache {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly read: ArticleReadService,
    private readonly reads: ArticleReadRepository,
  ) {}

  async list(query: ListArticlesQuery, viewer: AuthUser | undefined): Promise<CachedBody> {
    const key = `list:${keyPart(query.tag)}|${keyPart(query.author)}|${keyPart(query.favorited)}|${query.limit}|${query.offset}`;
    const result = await this.cache.read({
      cache: 'articleList',
      key,
      tags: [CacheTags.lists, CacheTags.people],
      local: true, // served from memory to anonymous readers; reused after a Redis check by signed-in ones
      compute: async () => {
        const page = await this.read.loadArticlePage(query);
        const body = JSON.stringify({ articles: page.items.map((item) => toArticleView(item, NO_VIEWER_FLAGS)), articlesCount: page.articlesCount });
        return sharedEntry(idsMeta(page.items), body);
      },
      personal: viewer && { scope: String(viewer.id), tags: [CacheTags.viewer(viewer.id)], compute: (shared) => this.flagBits(viewer.id, shared) },
    });
    const body = viewer === undefined ? sharedBodyBytes(result.shared, result.handle) : applyFlagsBytes(result.shared, result.handle, result.personal);
    return { body, version: result.version };
  }

  async get(slug: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: 'article',
      key: `article:${keyPart(slug)}`,
      tags: [CacheTags.article(slug), CacheTags.people],
      local: true, // served from memory to anonymous readers; reused after a Redis check by signed-in ones
      compute: async () => {
        const article = await this.read.loadArticle(slug);
        if (!article) throw notFound('article'); // not cached: a later create must not be hidden
        return sharedEntry(idsMeta([article]), JSON.stringify({ article: toSingleArticle(article, NO_VIEWER_FLAGS) }));
      },
      personal: viewer && { scope: String(viewer.id), tags: [CacheTags.viewer(viewer.id)], compute: (shared) => this.flagBits(viewer.id, shared) },
    });
    const body = viewer === undefined ? sharedBodyBytes(result.shared, result.handle) : applyFlagsBytes(result.shared, result.handle, result.personal);
    return { body, version: result.version };
  }

  /** One batched query for the page: '1'/'0' for favorited, then following, per article. */
  private async flagBits(viewerId: number, shared: string): Promise<string> {
    const meta = sharedMeta(shared);
    if (!meta) return '';
    const pairs = meta.split(',').map((pair) => pair.split('.').map(Number) as [number, number]);
    const flags = await this.reads.viewerFlags(viewerId, pairs.map(([, authorId]) => authorId), pairs.map(([id]) => id));
    return pairs.map(([id, authorId]) => `${flags.favoritedArticleIds.has(id) ? 1 : 0}${flags.followedAuthorIds.has(authorId) ? 1 : 0}`).join('');
  }
}

function idsMeta(items: readonly ArticleCore[]): string {
  return items.map((item) => `${item.id}.${item.authorId}`).join(',');
}
