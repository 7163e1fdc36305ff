import { Injectable } from '@nestjs/common';
import { CacheTags, keyPart, listTags } from '@conduit/cache';
import type { AuthUser } from '@conduit/contracts';
import type { CachedBody, Freshness } from '../cache/cached-response.js';
import { ViewerOverlayCache } from '../cache/viewer-overlay.cache.js';
import type { ViewerFlagsSource } from '../cache/viewer-relations.js';
import { notFound } from '../common/api-errors.js';
import { ArticleReadService } from './article-read.service.js';
import { NO_VIEWER_FLAGS, toArticleView, toSingleArticle, type ArticleCore } from './article.types.js';
import type { ListArticlesQuery } from './article.schemas.js';

/**
 * Cached article reads (pattern: cache-aside of the shared part + per-viewer overlay, see
 * ViewerOverlayCache).
 *
 * | read | key | tags (invalidated by) | TTL |
 * |---|---|---|---|
 * | GET /api/articles (global, ?tag, ?author, ?favorited) | `list:<tag>|<author>|<favorited>|<limit>|<offset>` | listTags(): list:all, list:tag:<name>, list:author:<username> or list:favorited (the writes that can change that list, see CacheInvalidation), people (user update) | CACHE_TTL_MS, jittered |
 * | GET /api/articles/:slug | `article:<slug>` | article:<slug> (update/delete/favorite of it), people | same |
 *
 * The entry is the anonymous response (flags false) plus the ids the overlay needs; a signed-in
 * viewer's flags are answered from their cached follows and favorites (ViewerOverlayCache), and
 * are spliced into the bytes (applyFlags). Anonymous reads may be served by the in-process layer.
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts, stampede.e2e.spec.ts, redis-outage.e2e.spec.ts.
 * Benchmark: npm run bench:cache.
 */
@Injectable()
export class ArticleCache {
  constructor(
    private readonly cache: ViewerOverlayCache,
    private readonly read: ArticleReadService,
  ) {}

  /** The anonymous list page from this instance's memory, or undefined (then `list`). No I/O. */
  peekAnonymousList(query: ListArticlesQuery, freshness: Freshness = 'fresh'): CachedBody | undefined {
    return this.cache.peekAnonymous('articleList', listKey(query), freshness);
  }

  /** The anonymous article from this instance's memory, or undefined (then `get`). No I/O. */
  peekAnonymous(slug: string, freshness: Freshness = 'fresh'): CachedBody | undefined {
    return this.cache.peekAnonymous('article', articleKey(slug), freshness);
  }

  list(query: ListArticlesQuery, viewer: AuthUser | undefined): Promise<CachedBody> {
    return this.cache.read(viewer, {
      cache: 'articleList',
      key: listKey(query),
      tags: listTags(query),
      compute: async () => {
        const page = await this.read.loadArticlePage(query);
        const body = JSON.stringify({ articles: page.items.map((item) => toArticleView(item, NO_VIEWER_FLAGS)), articlesCount: page.articlesCount });
        return { meta: idsMeta(page.items), body };
      },
      overlay: (source, _viewerId, meta) => flagBits(source, meta),
    });
  }

  get(slug: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    return this.cache.read(viewer, {
      cache: 'article',
      key: articleKey(slug),
      tags: [CacheTags.article(slug), CacheTags.people],
      compute: async () => {
        const article = await this.read.loadArticle(slug);
        if (!article) throw notFound('article'); // not cached: a later create must not be hidden
        return { meta: idsMeta([article]), body: JSON.stringify({ article: toSingleArticle(article, NO_VIEWER_FLAGS) }) };
      },
      overlay: (source, _viewerId, meta) => flagBits(source, meta),
    });
  }
}

/** One question for the page: '1'/'0' for favorited, then following, per article. */
async function flagBits(source: ViewerFlagsSource, meta: string): Promise<string> {
  if (!meta) return '';
  const pairs = meta.split(',').map((pair) => pair.split('.').map(Number) as [number, number]);
  const flags = await source.among(
    pairs.map(([, authorId]) => authorId),
    pairs.map(([id]) => id),
  );
  return pairs.map(([id, authorId]) => `${flags.favoritedArticleIds.has(id) ? 1 : 0}${flags.followedAuthorIds.has(authorId) ? 1 : 0}`).join('');
}

const listKey = (query: ListArticlesQuery) => `list:${keyPart(query.tag)}|${keyPart(query.author)}|${keyPart(query.favorited)}|${query.limit}|${query.offset}`;
const articleKey = (slug: string) => `article:${keyPart(slug)}`;

function idsMeta(items: readonly ArticleCore[]): string {
  return items.map((item) => `${item.id}.${item.authorId}`).join(',');
}
