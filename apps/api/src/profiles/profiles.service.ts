import { Injectable } from '@nestjs/common';
import type { Profile, AuthUser } from '@conduit/contracts';
import { notFound, validationError } from '../common/api-errors.js';
import { ProfileRepository } from './profile.repository.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';
import { toProfile, type ProfileCore } from './profile.types.js';

/**
 * Profiles: follow rules. Reads go through ProfileCache, which caches `loadProfile` (the same for
 * every viewer) and overlays the viewer's `following` flag itself.
 */
@Injectable()
export class ProfilesService {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly invalidation: CacheInvalidation,
  ) {}

  /** Shared part: the profile as every viewer sees it, or 404. */
  async loadProfile(username: string): Promise<ProfileCore> {
    const profile = await this.profiles.findByUsername(username);
    if (!profile) throw notFound('profile');
    return profile;
  }

  /** One statement looks the user up and follows them (ProfileRepository.followByUsername). */
  async follow(viewer: AuthUser, username: string): Promise<Profile> {
    const profile = await this.profiles.followByUsername(viewer.id, username);
    return this.answerFollow(viewer, profile, true);
  }

  async unfollow(viewer: AuthUser, username: string): Promise<Profile> {
    const profile = await this.profiles.unfollowByUsername(viewer.id, username);
    return this.answerFollow(viewer, profile, false);
  }

  private async answerFollow(viewer: AuthUser, profile: ProfileCore | null, following: boolean): Promise<Profile> {
    if (!profile) throw notFound('profile');
    // The statement never writes a self-follow; refuse the request as before.
    if (profile.id === viewer.id) throw validationError({ username: [`you cannot ${following ? 'follow' : 'unfollow'} yourself`] });
    await this.invalidation.followChanged(viewer.id);
    return toProfile(profile, following);
  }
}
