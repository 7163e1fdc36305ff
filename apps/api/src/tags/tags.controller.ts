import { Controller, Get } from '@nestjs/common';
import type { TagsResponse } from '@conduit/contracts';
import { Public } from '../auth/auth.decorators.js';
import { TagsService } from './tags.service.js';

@Controller('tags')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Public()
  @Get()
  async list(): Promise<TagsResponse> {
    return { tags: await this.tags.loadTags() };
  }
}
