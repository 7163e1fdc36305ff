import { Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MultipleArticlesResponse, SingleArticleResponse, AuthUser } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import { ValidBody, ValidQuery } from '../common/validated-params.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { multipleArticlesResponseSchema, singleArticleResponseSchema } from '../docs/response.schemas.js';
import {
  createArticleSchema,
  feedQuerySchema,
  listArticlesQuerySchema,
  updateArticleSchema,
  type CreateArticleBody,
  type FeedQuery,
  type ListArticlesQuery,
  type UpdateArticleBody,
} from './article.schemas.js';
import { ArticlesService } from './articles.service.js';
import { ArticleCache } from './article.cache.js';
import { sendCached } from '../cache/cached-response.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { IdempotentClaim, type IdempotencyClaim } from '../idempotency/idempotency-claim.js';

@ApiTags('Articles')
@Controller('articles')
export class ArticlesController {
  constructor(
    private readonly articles: ArticlesService,
    private readonly cached: ArticleCache,
  ) {}

  @OptionalAuth()
  @Get()
  @ApiDocs({
    operationId: 'GetArticles',
    summary: 'Recent articles, newest first, filtered by tag, author or favorited',
    auth: 'optional',
    status: 200,
    body: multipleArticlesResponseSchema,
    errors: [422],
  })
  async list(@ValidQuery(listArticlesQuerySchema) query: ListArticlesQuery, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (ArticleCache): MultipleArticlesResponse bytes, ETag, 304.
    const { body, version } = await this.cached.list(query, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  @Get('feed')
  @ApiDocs({ operationId: 'GetArticlesFeed', summary: 'Articles by followed users, newest first', auth: 'required', status: 200, body: multipleArticlesResponseSchema, errors: [422] })
  feed(@ValidQuery(feedQuerySchema) query: FeedQuery, @CurrentUser() viewer: AuthUser): Promise<MultipleArticlesResponse> {
    return this.articles.feed(query, viewer);
  }

  // Idempotency-Key: a retried create replays the first response (idempotency/idempotency.interceptor.ts).
  @Post()
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiDocs({ operationId: 'CreateArticle', summary: 'Create an article (Idempotency-Key honoured)', auth: 'required', status: 201, body: singleArticleResponseSchema, errors: [422] })
  async create(@ValidBody(createArticleSchema) body: CreateArticleBody, @CurrentUser() viewer: AuthUser, @IdempotentClaim() claim: IdempotencyClaim | undefined): Promise<SingleArticleResponse> {
    return { article: await this.articles.create(body, viewer, claim) };
  }

  @OptionalAuth()
  @Get(':slug')
  @ApiDocs({ operationId: 'GetArticle', summary: 'Get an article', auth: 'optional', status: 200, body: singleArticleResponseSchema, errors: [404] })
  async get(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (ArticleCache): SingleArticleResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get(slug, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  @Put(':slug')
  @ApiDocs({ operationId: 'UpdateArticle', summary: 'Update an article', auth: 'required', status: 200, body: singleArticleResponseSchema, errors: [403, 404, 422] })
  async update(@Param('slug') slug: string, @ValidBody(updateArticleSchema) body: UpdateArticleBody, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.update(slug, body, viewer) };
  }

  @Delete(':slug')
  @HttpCode(204)
  @ApiDocs({ operationId: 'DeleteArticle', summary: 'Delete an article', auth: 'required', status: 204, description: 'Deleted', errors: [403, 404] })
  async delete(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<void> {
    await this.articles.delete(slug, viewer);
  }

  @Post(':slug/favorite')
  @HttpCode(200)
  @ApiTags('Favorites')
  @ApiDocs({ operationId: 'CreateArticleFavorite', summary: 'Favorite an article', auth: 'required', status: 200, body: singleArticleResponseSchema, errors: [404] })
  async favorite(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.favorite(slug, viewer) };
  }

  @Delete(':slug/favorite')
  @ApiTags('Favorites')
  @ApiDocs({ operationId: 'DeleteArticleFavorite', summary: 'Unfavorite an article', auth: 'required', status: 200, body: singleArticleResponseSchema, errors: [404] })
  async unfavorite(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.unfavorite(slug, viewer) };
  }
}
