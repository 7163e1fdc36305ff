import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { CommentsCache } from './comments.cache.js';
import type { MultipleCommentsResponse, SingleCommentResponse } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { createCommentSchema, type CreateCommentBody } from './comment.schemas.js';
import { CommentsService } from './comments.service.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';

@Controller('articles/:slug/comments')
export class CommentsController {
  constructor(private readonly comments: CommentsService, private readonly cached: CommentsCache) {}

  @OptionalAuth()
  @Get()
  async list(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (CommentsCache): MultipleCommentsResponse bytes, ETag, 304.
    const { body, version } = await this.cached.list(slug, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  // 200, not 201: the spec (openapi.yml, CreateArticleComment) says so.
  // Idempotency-Key: a retried create replays the first response (idempotency/idempotency.interceptor.ts).
  @Post()
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  async create(
    @Param('slug') slug: string,
    @Body(new ZodValidationPipe(createCommentSchema)) body: CreateCommentBody,
    @CurrentUser() viewer: AuthUser,
  ): Promise<SingleCommentResponse> {
    return { comment: await this.comments.create(slug, body, viewer) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('slug') slug: string, @Param('id') id: string, @CurrentUser() viewer: AuthUser): Promise<void> {
    await this.comments.delete(slug, id, viewer);
  }
}
