import { Inject, Injectable } from '@nestjs/common';
import { CacheTags } from '@conduit/cache';
import type { VersionedCache } from '@conduit/cache';
import { sharedBodyBytes, sharedEntry, type CachedBody, type Freshness } from '../cache/cached-response.js';
import { READ_CACHE } from '../cache/read-cache.token.js';
import { TagsService } from './tags.service.js';

/**
 * Cached GET /api/tags: the same for everyone. Key `tags`; tag `tags` (article
 * create/update/delete); TTL CACHE_TTL_MS jittered. Tests: apps/api/test/cache/read-cache.e2e.spec.ts.
 */
@Injectable()
export class TagsCache {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly tags: TagsService,
  ) {}

  /** The tags from this instance's memory, or undefined (then `get`). No I/O. */
  peek(freshness: Freshness = 'fresh'): CachedBody | undefined {
    const hit = this.cache.peekLocal('tags', 'tags', freshness);
    return hit && { body: sharedBodyBytes(hit.shared, hit.handle), version: hit.version };
  }

  async get(): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: 'tags',
      key: 'tags',
      tags: [CacheTags.tagList],
      local: true,
      compute: async () => sharedEntry('', JSON.stringify({ tags: await this.tags.loadTags() })),
    });
    return { body: sharedBodyBytes(result.shared, result.handle), version: result.version };
  }
}
