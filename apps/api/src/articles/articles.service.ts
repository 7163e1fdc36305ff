import { Injectable } from '@nestjs/common';
import type { Article, MultipleArticlesResponse, AuthUser } from '@conduit/contracts';
import { forbidden, notFound } from '../common/api-errors.js';
import { UniqueConflict } from '../common/domain-errors.js';
import { ArticleReadRepository } from './article-read.repository.js';
import { ArticleReadService } from './article-read.service.js';
import { ArticleWriteRepository, type ArticleChanges, type FavoriteResult } from './article-write.repository.js';
import type { CreateArticleBody, FeedQuery, UpdateArticleBody } from './article.schemas.js';
import { NO_VIEWER_FLAGS, toSingleArticle } from './article.types.js';
import { withUniqueSlug } from './slug.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';

const isSlugConflict = (error: unknown) => error instanceof UniqueConflict && error.fields.includes('slug');

/** Article rules: who may change what, slugs, favorites. Reads go through ArticleReadService. */
@Injectable()
export class ArticlesService {
  constructor(
    private readonly read: ArticleReadService,
    private readonly owners: ArticleReadRepository,
    private readonly writes: ArticleWriteRepository,
    private readonly invalidation: CacheInvalidation,
  ) {}

  async feed(query: FeedQuery, viewer: AuthUser): Promise<MultipleArticlesResponse> {
    const page = await this.read.loadFeedPage(viewer.id, query);
    return { articles: await this.read.overlayViewerFlags(viewer.id, page.items), articlesCount: page.articlesCount };
  }

  async get(slug: string, viewer: AuthUser | undefined): Promise<Article> {
    const article = await this.read.loadArticle(slug);
    if (!article) throw notFound('article');
    return toSingleArticle(article, await this.read.viewerFlags(viewer?.id, [article]));
  }

  /** With an Idempotency-Key claim the key commits with the article; `replayOf` answers with the article created earlier. */
  async create({ article }: CreateArticleBody, author: AuthUser, claim?: IdempotencyClaim): Promise<Article> {
    if (claim?.replayOf !== undefined) {
      const created = await this.writes.slugById(claim.replayOf);
      if (!created) throw notFound('article'); // created, then deleted by its author
      return this.get(created, author);
    }
    const { slug, result } = await withUniqueSlug(article.title, (slug) => this.writes.create(author.id, { ...article, slug }, claim), isSlugConflict);
    await this.invalidation.articleCreated({ slugs: [slug], authorUsername: author.username, tags: article.tagList }, result);
    // Nobody has favorited it yet, and nobody follows themself: no flags to read.
    return toSingleArticle(result.created, NO_VIEWER_FLAGS);
  }

  async update(slug: string, { article }: UpdateArticleBody, viewer: AuthUser): Promise<Article> {
    const { id } = await this.ownedBy(slug, viewer);
    const changes: ArticleChanges = {};
    if (article.description !== undefined) changes.description = article.description;
    if (article.body !== undefined) changes.body = article.body;
    if (article.tagList !== undefined) changes.tagList = article.tagList;
    let newSlug = slug;
    // A new title gets a new slug (as the RealWorld spec says), unique like on create.
    const updated =
      article.title === undefined
        ? await this.writes.update(id, viewer.id, changes)
        : (
            await withUniqueSlug(
              article.title,
              (s) => {
                newSlug = s;
                return this.writes.update(id, viewer.id, { ...changes, title: article.title, slug: s });
              },
              isSlugConflict,
            )
          ).result;
    if (!updated) throw notFound('article');
    const tags = [...updated.oldTags, ...(article.tagList ?? [])];
    await this.invalidation.articleChanged({ slugs: [slug, newSlug], authorUsername: viewer.username, tags });
    return this.get(newSlug, viewer);
  }

  async delete(slug: string, viewer: AuthUser): Promise<void> {
    const { id } = await this.ownedBy(slug, viewer);
    const deleted = await this.writes.delete(id, viewer.id);
    if (!deleted) throw notFound('article');
    await this.invalidation.articleChanged({ slugs: [slug], authorUsername: viewer.username, tags: deleted.tags });
  }

  /** One statement writes and reads the article back (ArticleWriteRepository.favorite), then the caches learn of it. */
  async favorite(slug: string, viewer: AuthUser): Promise<Article> {
    return this.answerFavorite(slug, viewer, await this.writes.favorite(viewer.id, slug));
  }

  async unfavorite(slug: string, viewer: AuthUser): Promise<Article> {
    return this.answerFavorite(slug, viewer, await this.writes.unfavorite(viewer.id, slug));
  }

  private async answerFavorite(slug: string, viewer: AuthUser, result: FavoriteResult | null): Promise<Article> {
    if (!result) throw notFound('article');
    const { article, favorited, following } = result;
    await this.invalidation.favoriteChanged({ slugs: [slug], tags: article.tagList, authorUsername: article.author.username }, viewer.id);
    return toSingleArticle(article, {
      favoritedArticleIds: new Set(favorited ? [article.id] : []),
      followedAuthorIds: new Set(following ? [article.authorId] : []),
    });
  }

  /** 404 for an unknown slug, 403 for someone else's article. */
  private async ownedBy(slug: string, viewer: AuthUser): Promise<{ id: number }> {
    const owner = await this.owners.ownerBySlug(slug);
    if (!owner) throw notFound('article');
    if (owner.authorId !== viewer.id) throw forbidden('article');
    return owner;
  }
}
