import { Injectable } from '@nestjs/common';
import { CacheTags, keyPart } from '@conduit/cache';
import type { AuthUser } from '@conduit/contracts';
import type { CachedBody, Freshness } from '../cache/cached-response.js';
import { ViewerOverlayCache } from '../cache/viewer-overlay.cache.js';
import { ProfilesService } from './profiles.service.js';
import { toProfile } from './profile.types.js';

/**
 * Cached GET /api/profiles/:username. Key `profile:<username>`; tags: people (any user update:
 * usernames, bios and images); TTL CACHE_TTL_MS jittered. `following` is per viewer: from their
 * cached follows (ViewerOverlayCache). 404s are not cached.
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts.
 */
@Injectable()
export class ProfileCache {
  constructor(
    private readonly cache: ViewerOverlayCache,
    private readonly profiles: ProfilesService,
  ) {}

  /** The anonymous profile from this instance's memory, or undefined (then `get`). No I/O. */
  peekAnonymous(username: string, freshness: Freshness = 'fresh'): CachedBody | undefined {
    return this.cache.peekAnonymous('profile', profileKey(username), freshness);
  }

  get(username: string, viewer: AuthUser | undefined): Promise<CachedBody> {
    return this.cache.read(viewer, {
      cache: 'profile',
      key: profileKey(username),
      tags: [CacheTags.people],
      compute: async () => {
        const profile = await this.profiles.loadProfile(username);
        return { meta: String(profile.id), body: JSON.stringify({ profile: toProfile(profile, false) }) };
      },
      overlay: async (source, viewerId, meta) => {
        const id = Number(meta);
        if (id === viewerId) return '0'; // nobody follows themself
        return (await source.among([id], [])).followedAuthorIds.has(id) ? '1' : '0';
      },
    });
  }
}

const profileKey = (username: string) => `profile:${keyPart(username)}`;
