import { Module } from '@nestjs/common';
import { TagRepository } from './tag.repository.js';
import { TagsController } from './tags.controller.js';
import { TagsService } from './tags.service.js';
import { TagsCache } from './tags.cache.js';

@Module({
  controllers: [TagsController],
  providers: [TagsService, TagRepository, TagsCache],
  exports: [TagsService],
})
export class TagsModule {}
