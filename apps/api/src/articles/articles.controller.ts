import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
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

@Controller('articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  @OptionalAuth()
  @Get()
  list(@Query(new ZodValidationPipe(listArticlesQuerySchema)) query: ListArticlesQuery, @CurrentUser() viewer: AuthUser | undefined): Promise<MultipleArticlesResponse> {
    return this.articles.list(query, viewer);
  }

  @Get('feed')
  feed(@Query(new ZodValidationPipe(feedQuerySchema)) query: FeedQuery, @CurrentUser() viewer: AuthUser): Promise<MultipleArticlesResponse> {
    return this.articles.feed(query, viewer);
  }

  @Post()
  @HttpCode(201)
  async create(@Body(new ZodValidationPipe(createArticleSchema)) body: CreateArticleBody, @CurrentUser() viewer: AuthUser): Promise<SingleArticleResponse> {
    return { article: await this.articles.create(body, viewer) };
  }

  @OptionalAuth()
  @Get(':slug')
  async get(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser | undefined): Promise<SingleArticleResponse> {
    return { article: await this.articles.get(slug, viewer) };
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
