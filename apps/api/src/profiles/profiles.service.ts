import { Injectable } from '@nestjs/common';
import type { Profile } from '@conduit/contracts';
import type { AuthUser } from '../auth/token.service.js';
import { notFound, validationError } from '../common/api-errors.js';
import { ProfileRepository } from './profile.repository.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';
import { toProfile, type ProfileCore } from './profile.types.js';

/**
 * Profiles. The read path is split in two so a shared cache can sit in front of the first
 * half: `loadProfile` (the same for every viewer) and `overlayFollowing` (per viewer, one
 * indexed lookup).
 */
@Injectable()
export class ProfilesService {
  constructor(private readonly profiles: ProfileRepository, private readonly invalidation: CacheInvalidation) {}

  /** Shared part: the profile as every viewer sees it, or 404. */
  async loadProfile(username: string): Promise<ProfileCore> {
    const profile = await this.profiles.findByUsername(username);
    if (!profile) throw notFound('profile');
    return profile;
  }

  /** Per-viewer part: anonymous viewers and the user themself never "follow". */
  async overlayFollowing(viewer: AuthUser | undefined, profile: ProfileCore): Promise<Profile> {
    if (!viewer || viewer.id === profile.id) return toProfile(profile, false);
    const followed = await this.profiles.followedAmong(viewer.id, [profile.id]);
    return toProfile(profile, followed.has(profile.id));
  }

  async get(username: string, viewer: AuthUser | undefined): Promise<Profile> {
    return this.overlayFollowing(viewer, await this.loadProfile(username));
  }

  async follow(viewer: AuthUser, username: string): Promise<Profile> {
    const profile = await this.loadProfile(username);
    if (profile.id === viewer.id) throw validationError({ username: ['you cannot follow yourself'] });
    await this.profiles.follow(viewer.id, profile.id);
    await this.invalidation.followChanged(viewer.id);
    return toProfile(profile, true);
  }

  async unfollow(viewer: AuthUser, username: string): Promise<Profile> {
    const profile = await this.loadProfile(username);
    if (profile.id === viewer.id) throw validationError({ username: ['you cannot unfollow yourself'] });
    await this.profiles.unfollow(viewer.id, profile.id);
    await this.invalidation.followChanged(viewer.id);
    return toProfile(profile, false);
  }
}
