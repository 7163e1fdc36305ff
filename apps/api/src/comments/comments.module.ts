import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { CommentRepository } from './comment.repository.js';
import { CommentsController } from './comments.controller.js';
import { CommentsService } from './comments.service.js';
import { CommentsCache } from './comments.cache.js';

@Module({
  imports: [ProfilesModule, IdempotencyModule],
  controllers: [CommentsController],
  providers: [CommentsService, CommentRepository, CommentsCache],
})
export class CommentsModule {}
