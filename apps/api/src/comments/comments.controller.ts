import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { CommentsCache } from './comments.cache.js';
import type { SingleCommentResponse, AuthUser } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import { ValidBody } from '../common/validated-params.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { multipleCommentsResponseSchema, singleCommentResponseSchema } from '../docs/response.schemas.js';
import { createCommentSchema, type CreateCommentBody } from './comment.schemas.js';
import { CommentsService } from './comments.service.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { IdempotentClaim, type IdempotencyClaim } from '../idempotency/idempotency-claim.js';

@ApiTags('Comments')
@Controller('articles/:slug/comments')
export class CommentsController {
  constructor(
    private readonly comments: CommentsService,
    private readonly cached: CommentsCache,
  ) {}

  @OptionalAuth()
  @Get()
  @ApiDocs({ operationId: 'GetArticleComments', summary: 'Comments of an article', auth: 'optional', status: 200, body: multipleCommentsResponseSchema, errors: [404] })
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
  @ApiDocs({ operationId: 'CreateArticleComment', summary: 'Comment on an article (Idempotency-Key honoured)', auth: 'required', status: 200, body: singleCommentResponseSchema, errors: [404, 422] })
  async create(
    @Param('slug') slug: string,
    @ValidBody(createCommentSchema) body: CreateCommentBody,
    @CurrentUser() viewer: AuthUser,
    @IdempotentClaim() claim: IdempotencyClaim | undefined,
  ): Promise<SingleCommentResponse> {
    return { comment: await this.comments.create(slug, body, viewer, claim) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', type: 'integer', description: 'The comment id' })
  @ApiDocs({ operationId: 'DeleteArticleComment', summary: 'Delete a comment', auth: 'required', status: 204, description: 'Deleted', errors: [403, 404] })
  async delete(@Param('slug') slug: string, @Param('id') id: string, @CurrentUser() viewer: AuthUser): Promise<void> {
    await this.comments.delete(slug, id, viewer);
  }
}
