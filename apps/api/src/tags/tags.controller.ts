import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { TagsCache } from './tags.cache.js';
import { Public } from '../auth/auth.decorators.js';
import { TagsService } from './tags.service.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { tagsResponseSchema } from '../docs/response.schemas.js';

@ApiTags('Tags')
@Controller('tags')
export class TagsController {
  constructor(
    private readonly tags: TagsService,
    private readonly cached: TagsCache,
  ) {}

  @Public()
  @Get()
  @ApiDocs({ operationId: 'GetTags', summary: 'Tags in use', auth: 'none', status: 200, body: tagsResponseSchema })
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (TagsCache): TagsResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get();
    sendCached(request, reply, body, version, undefined);
  }
}
