import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { MultipleCommentsResponse, SingleCommentResponse } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { createCommentSchema, type CreateCommentBody } from './comment.schemas.js';
import { CommentsService } from './comments.service.js';

@Controller('articles/:slug/comments')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @OptionalAuth()
  @Get()
  async list(@Param('slug') slug: string, @CurrentUser() viewer: AuthUser | undefined): Promise<MultipleCommentsResponse> {
    return { comments: await this.comments.list(slug, viewer) };
  }

  // 200, not 201: the spec (openapi.yml, CreateArticleComment) says so.
  @Post()
  @HttpCode(200)
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
