import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { ArticleReadRepository } from './article-read.repository.js';
import { ArticleReadService } from './article-read.service.js';
import { ArticleWriteRepository } from './article-write.repository.js';
import { ArticlesController } from './articles.controller.js';
import { ArticlesService } from './articles.service.js';
import { ArticleCache } from './article.cache.js';

@Module({
  imports: [IdempotencyModule],
  controllers: [ArticlesController],
  providers: [ArticlesService, ArticleReadService, ArticleReadRepository, ArticleWriteRepository, ArticleCache],
  exports: [ArticleReadService],
})
export class ArticlesModule {}
