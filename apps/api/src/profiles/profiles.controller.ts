import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { ProfileResponse } from '@conduit/contracts';
import { CurrentUser, OptionalAuth } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ProfilesService } from './profiles.service.js';

@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @OptionalAuth()
  @Get(':username')
  async get(@Param('username') username: string, @CurrentUser() viewer: AuthUser | undefined): Promise<ProfileResponse> {
    return { profile: await this.profiles.get(username, viewer) };
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
