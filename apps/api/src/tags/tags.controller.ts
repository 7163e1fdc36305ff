import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { TagsCache } from './tags.cache.js';
import type { TagsResponse } from '@conduit/contracts';
import { Public } from '../auth/auth.decorators.js';
import { TagsService } from './tags.service.js';

@Controller('tags')
export class TagsController {
  constructor(private readonly tags: TagsService, private readonly cached: TagsCache) {}

  @Public()
  @Get()
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (TagsCache): TagsResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get();
    sendCached(request, reply, body, version, undefined);
  }
}
