import type { Article, ArticleListItem } from '@conduit/contracts';

/**
 * An article as every viewer sees it: no `favorited`, no `author.following`. This is the
 * shared, cacheable half of the read path (see ArticleReadService). Plain JSON (dates as ISO
 * strings) so a cache can store it as is. `id` and `authorId` are internal: the viewer
 * overlay needs them, responses never show them.
 */
export interface ArticleCore {
  id: number;
  authorId: number;
  slug: string;
  title: string;
  description: string;
  /** Present on single-article reads only: list pages leave the body out. */
  body?: string;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favoritesCount: number;
  author: { username: string; bio: string | null; image: string | null };
}

/** One page of a list plus the total number of matching articles. */
export interface ArticlePage {
  items: ArticleCore[];
  articlesCount: number;
}

/** Filters of GET /api/articles (usernames and tag names as sent by the client). */
export interface ArticleFilter {
  tag?: string;
  author?: string;
  favorited?: string;
}

export interface PageWindow {
  limit: number;
  offset: number;
}

export type ArticlePageQuery = ArticleFilter & PageWindow;

/** What the viewer overlay adds: one flag per article and per author. */
export interface ViewerFlags {
  favoritedArticleIds: ReadonlySet<number>;
  followedAuthorIds: ReadonlySet<number>;
}

export const NO_VIEWER_FLAGS: ViewerFlags = { favoritedArticleIds: new Set(), followedAuthorIds: new Set() };

/** Shared core + viewer flags -> the RealWorld shape (field order as in the spec). */
export function toArticleView(core: ArticleCore, flags: ViewerFlags): ArticleListItem & { body?: string } {
  return {
    slug: core.slug,
    title: core.title,
    description: core.description,
    ...(core.body !== undefined ? { body: core.body } : {}),
    tagList: core.tagList,
    createdAt: core.createdAt,
    updatedAt: core.updatedAt,
    favorited: flags.favoritedArticleIds.has(core.id),
    favoritesCount: core.favoritesCount,
    author: { ...core.author, following: flags.followedAuthorIds.has(core.authorId) },
  };
}

export function toSingleArticle(core: ArticleCore, flags: ViewerFlags): Article {
  const view = toArticleView(core, flags);
  return { ...view, body: view.body ?? '' };
}
