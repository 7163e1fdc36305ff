import { Inject, Injectable } from '@nestjs/common';
import type { VersionedCache } from '@conduit/cache';
import type { AuthUser } from '../auth/token.service.js';
import { CacheTags, keyPart } from '../cache/cache-tags.js';
import { applyFlagsBytes, sharedBodyBytes, sharedEntry, sharedMeta } from '../cache/cached-response.js';
import { READ_CACHE } from '../cache/read-cache.token.js';
import type { CachedBody } from '../articles/article.cache.js';
import { ProfileRepository } from './profile.repository.js';
import { ProfilesService } from './profiles.service.js';
import { toProfile } from './profile.types.js';

/**
 * Cached GET /api/profiles/:username. Key `profile:<username>`; tags: people (any user update:
 * usernames, bios and images); TTL CACHE_TTL_MS jittered. `following` is per viewer: one
 * indexed lookup, cached under viewer:<id> (bumped by their follows). 404s are not cached.
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts.
 */
@Injectable()
export class ProfileCache {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly profiles: ProfilesService,
    private readonly repository: ProfileRepository,
  ) {}

  async get(username: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: 'profile',
      key: `profile:${keyPart(username)}`,
      tags: [CacheTags.people],
      local: true, // served from memory to anonymous readers; reused after a Redis check by signed-in ones
      compute: async () => {
        const profile = await this.profiles.loadProfile(username);
        return sharedEntry(String(profile.id), JSON.stringify({ profile: toProfile(profile, false) }));
      },
      personal: viewer && {
        scope: String(viewer.id),
        tags: [CacheTags.viewer(viewer.id)],
        compute: async (shared) => {
          const id = Number(sharedMeta(shared));
          if (id === viewer.id) return '0'; // nobody follows themself
          return (await this.repository.followedAmong(viewer.id, [id])).has(id) ? '1' : '0';
        },
      },
    });
    const body = viewer === undefined ? sharedBodyBytes(result.shared, result.handle) : applyFlagsBytes(result.shared, result.handle, result.personal);
    return { body, version: result.version };
  }
}
