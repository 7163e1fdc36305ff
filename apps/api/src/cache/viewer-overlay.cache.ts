import { Inject, Injectable } from '@nestjs/common';
import { CacheTags } from '@conduit/cache';
import type { VersionedCache } from '@conduit/cache';
import type { AuthUser } from '@conduit/contracts';
import { applyFlagsBytes, sharedBodyBytes, sharedEntry, sharedMeta, type CachedBody } from './cached-response.js';
import { READ_CACHE } from './read-cache.token.js';

/** What a feature supplies for one read whose response carries viewer-dependent flags. */
export interface ViewerOverlayRead {
  /** Cache name for metrics (articleList, article, comments, profile). */
  cache: string;
  key: string;
  /** Invalidation tags of the shared (anonymous) entry. */
  tags: string[];
  /**
   * The anonymous response (every flag `false`) and the meta line the overlay needs (ids, never
   * sent to clients). Throwing (e.g. a 404) caches nothing.
   */
  compute: () => Promise<{ meta: string; body: string }>;
  /** The viewer's flags for that entry: one '0'/'1' per flag in document order (one batched query). */
  overlay: (viewerId: number, meta: string) => Promise<string>;
}

/**
 * Cached reads shaped "anonymous body or viewer-flag overlay" (pattern: cache-aside of the shared
 * part + per-viewer overlay). The shared entry is the anonymous response plus its meta line; it
 * may be served from the in-process layer to anonymous readers. A signed-in viewer's flags are
 * cached per viewer under viewer:<id> (bumped by their favorites and follows) and spliced into
 * the bytes (applyFlagsBytes).
 * Tests: apps/api/test/cache/read-cache.e2e.spec.ts, stampede.e2e.spec.ts, redis-outage.e2e.spec.ts.
 */
@Injectable()
export class ViewerOverlayCache {
  constructor(@Inject(READ_CACHE) private readonly cache: VersionedCache) {}

  /** The anonymous response from this instance's memory, or undefined (then `read`). No I/O. */
  peekAnonymous(cache: string, key: string): CachedBody | undefined {
    const hit = this.cache.peekLocal(cache, key);
    return hit && { body: sharedBodyBytes(hit.shared, hit.handle), version: hit.version };
  }

  async read(viewer: AuthUser | undefined, spec: ViewerOverlayRead): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: spec.cache,
      key: spec.key,
      tags: spec.tags,
      local: true, // served from memory to anonymous readers; reused after a Redis check by signed-in ones
      compute: async () => {
        const { meta, body } = await spec.compute();
        return sharedEntry(meta, body);
      },
      personal: viewer && { scope: String(viewer.id), tags: [CacheTags.viewer(viewer.id)], compute: (shared) => spec.overlay(viewer.id, sharedMeta(shared)) },
    });
    const body = viewer === undefined ? sharedBodyBytes(result.shared, result.handle) : applyFlagsBytes(result.shared, result.handle, result.personal);
    return { body, version: result.version };
  }
}
