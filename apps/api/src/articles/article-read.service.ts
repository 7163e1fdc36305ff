import { Injectable } from '@nestjs/common';
import type { ArticleListItem } from '@conduit/contracts';
import { ViewerFlagsService } from '../cache/viewer-flags.service.js';
import { ArticleReadRepository } from './article-read.repository.js';
import { NO_VIEWER_FLAGS, toArticleView, type ArticleCore, type ArticlePage, type ArticlePageQuery, type PageWindow, type ViewerFlags } from './article.types.js';

/**
 * The article read path, split on purpose into:
 *  1. a SHARED part, identical for every viewer: `loadArticlePage(query)` and
 *     `loadArticle(slug)` return ArticleCore (articles + authors + tagList + favoritesCount);
 *     this is what a shared cache (Redis) may store, keyed by the query alone;
 *  2. a PER-VIEWER overlay: `overlayViewerFlags(viewerId, items)` adds `favorited` and
 *     `author.following` with ONE batched statement for the whole page (none when anonymous).
 * Pattern "no N+1": a list page costs 1 statement anonymous, 2 signed in, for 1 or 100
 * items. Test: apps/api/test/articles/list-statement-count.int.spec.ts. Benchmark:
 * bench/article-list/article-list.bench.ts (npm run bench:article-list, vs per-article loading).
 */
@Injectable()
export class ArticleReadService {
  constructor(
    private readonly reads: ArticleReadRepository,
    private readonly flags: ViewerFlagsService,
  ) {}

  /** Shared: one page of GET /api/articles plus articlesCount (1 statement). */
  loadArticlePage(query: ArticlePageQuery): Promise<ArticlePage> {
    const { limit, offset, ...filter } = query;
    return this.reads.page(filter, { limit, offset });
  }

  /** Per viewer by nature (whom they follow), so not for a shared cache (2 statements). */
  loadFeedPage(viewerId: number, window: PageWindow): Promise<ArticlePage> {
    return this.reads.feedPage(viewerId, window);
  }

  /** Shared: one article with its body, or null (1 statement). */
  loadArticle(slug: string): Promise<ArticleCore | null> {
    return this.reads.bySlug(slug);
  }

  /** Per viewer: the flags for a set of shared items (0 statements anonymous, else 1). */
  async viewerFlags(viewerId: number | undefined, items: readonly ArticleCore[]): Promise<ViewerFlags> {
    if (viewerId === undefined || items.length === 0) return NO_VIEWER_FLAGS;
    return this.flags.among(
      viewerId,
      items.map((a) => a.authorId),
      items.map((a) => a.id),
    );
  }

  /** Per viewer: shared items -> response items with `favorited` and `author.following`. */
  async overlayViewerFlags(viewerId: number | undefined, items: readonly ArticleCore[]): Promise<ArticleListItem[]> {
    const flags = await this.viewerFlags(viewerId, items);
    return items.map((item) => toArticleView(item, flags));
  }
}
