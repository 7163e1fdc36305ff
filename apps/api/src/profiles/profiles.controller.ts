import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached } from '../cache/cached-response.js';
import { ProfileCache } from './profile.cache.js';
import type { ProfileResponse, AuthUser } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import { ProfilesService } from './profiles.service.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { profileResponseSchema } from '../docs/response.schemas.js';

@ApiTags('Profile')
@Controller('profiles')
export class ProfilesController {
  constructor(
    private readonly profiles: ProfilesService,
    private readonly cached: ProfileCache,
  ) {}

  @OptionalAuth()
  @Get(':username')
  @ApiDocs({ operationId: 'GetProfileByUsername', summary: 'Get a profile', auth: 'optional', status: 200, body: profileResponseSchema, errors: [404] })
  async get(@Param('username') username: string, @CurrentUser() viewer: AuthUser | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Served from the read cache (ProfileCache): ProfileResponse bytes, ETag, 304.
    const { body, version } = await this.cached.get(username, viewer);
    sendCached(request, reply, body, version, viewer?.id);
  }

  // The official Postman collection sends a (meaningless) body with this POST: it is ignored.
  @Post(':username/follow')
  @HttpCode(200)
  @ApiDocs({ operationId: 'FollowUserByUsername', summary: 'Follow a user', auth: 'required', status: 200, body: profileResponseSchema, errors: [404, 422] })
  async follow(@Param('username') username: string, @CurrentUser() viewer: AuthUser): Promise<ProfileResponse> {
    return { profile: await this.profiles.follow(viewer, username) };
  }

  @Delete(':username/follow')
  @ApiDocs({ operationId: 'UnfollowUserByUsername', summary: 'Unfollow a user', auth: 'required', status: 200, body: profileResponseSchema, errors: [404] })
  async unfollow(@Param('username') username: string, @CurrentUser() viewer: AuthUser): Promise<ProfileResponse> {
    return { profile: await this.profiles.unfollow(viewer, username) };
  }
}
