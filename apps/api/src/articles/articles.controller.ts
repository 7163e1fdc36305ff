import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MultipleArticlesResponse, SingleArticleResponse } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
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

@Controller('articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService, private readonly cached: ArticleCache) {}

  @OptionalAuth()
  @Get()
  async list(
    @Query(new ZodValidationPipe(listArticlesQuerySchema)) query: ListArticlesQuery,
    @CurrentUser() viewer: AuthUser | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Served from the read cache (ArticleCache): MultipleArticlesResponse bytes, ETag, 304.
    const { body, version } = await this.cached.list(query, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  @Get('feed')
  feed(@Query(new ZodValidationPipe(feedQuerySchema)) query: FeedQuery, @CurrentUser() viewer: AuthUser): Promise<MultipleArticlesResponse> {
    return this.articles.feed(query, viewer);
  }

  // Idempotency-Key: a retried create replays the first response (idempotency/idempotency.interceptor.ts).
  @Post()
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  async create(@Body(new ZodValidationPipe(createArticleSchema)) body: CreateArticleBody, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.create(body, viewer) };
  }

  @OptionalAuth()
  @Get(':slug')
  async get(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (ArticleCache): SingleArticleResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get(slug, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  @Put(':slug')
  async update(
    @Param('slug') slug: string,
    @Body(new ZodValidationPipe(updateArticleSchema)) body: UpdateArticleBody,
    @CurrentUser() viewer: AuthUser,
  ): Promise<SingleArticleResponse> {
    return { article: await this.articles.update(slug, body, viewer) };
  }

  @Delete(':slug')
  @HttpCode(204)
  async delete(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<void> {
    await this.articles.delete(slug, viewer);
  }

  @Post(':slug/favorite')
  @HttpCode(200)
  async favorite(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.favorite(slug, viewer) };
  }

  @Delete(':slug/favorite')
  async unfavorite(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.unfavorite(slug, viewer) };
  }
}
