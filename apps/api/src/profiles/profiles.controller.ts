import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { ProfileCache } from './profile.cache.js';
import type { ProfileResponse } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ProfilesService } from './profiles.service.js';

@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService, private readonly cached: ProfileCache) {}

  @OptionalAuth()
  @Get(':username')
  async get(@Param('username') username: string, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (ProfileCache): ProfileResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get(username, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  // The official Postman collection sends a (meaningless) body with this POST: it is ignored.
  @Post(':username/follow')
  @HttpCode(200)
  async follow(@Param('username') username: string, @CurrentUser() viewer: AuthUser): Promise<ProfileResponse> {
    return { profile: await this.profiles.follow(viewer, username) };
  }

  @Delete(':username/follow')
  async unfollow(@Param('username') username: string, @CurrentUser() viewer: AuthUser): Promise<ProfileResponse> {
    return { profile: await this.profiles.unfollow(viewer, username) };
  }
}
