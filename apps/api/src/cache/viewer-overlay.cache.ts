import { Inject, Injectable } from '@nestjs/common';
import { CacheTags } from '@conduit/cache';
import type { CacheReadResult, VersionedCache } from '@conduit/cache';
import type { AuthUser } from '@conduit/contracts';
import { applyFlagsBytes, sharedBodyBytes, sharedEntry, sharedMeta, type CachedBody, type Freshness } from './cached-response.js';
import { READ_CACHE } from './read-cache.token.js';
import { CachedRelations, TOO_MANY_RELATIONS, type ViewerFlagsSource } from './viewer-relations.js';
import { ViewerRelationsRepository } from './viewer-relations.repository.js';

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
  /**
   * The viewer's flags for that entry: one '0'/'1' per flag in document order, asked of `source`
   * in one call (answered from the viewer's cached relations, or by one page-bounded statement).
   */
  overlay: (source: ViewerFlagsSource, viewerId: number, meta: string) => Promise<string>;
}

/** Decoded relations are kept per viewer while their entry stays the same, up to this many entry characters in all. */
const DECODED_CHARS_MAX = 1_000_000;
/** Worked-out flags are kept for up to this many viewers per shared entry, and only for relations entries this short. */
const BITS_PER_ENTRY_MAX = 32;
const BITS_RELATIONS_MAX_CHARS = 512;

/**
 * Cached reads shaped "anonymous body or viewer-flag overlay" (pattern: cache-aside of the shared
 * part + per-viewer overlay). The shared entry is the anonymous response plus its meta line; it
 * may be served from the in-process layer to anonymous readers. A signed-in viewer's flags come
 * from ONE entry per viewer, their follows and favorites (ViewerRelationsRepository.load), under
 * viewer:<id> (bumped by their own favorites and follows): read in the same Redis round trip as
 * the shared entry, it answers the flags of every page they open, and other users' writes do not
 * touch it. Flags are spliced into the bytes (applyFlagsBytes).
 * Protects against: computing a signed-in reader's flags from PostgreSQL on nearly every read.
 * Keyed by page (as before), the flags were stored per viewer AND page and rewritten whenever the
 * page's shared version moved; in the 1000-user gate no such entry was ever read twice (0% hits,
 * ~19 flag statements per 100 requests: the gate summary's "read cache" lines).
 * A viewer with more than CACHE_VIEWER_RELATIONS_MAX follows or favorites, and every signed-in
 * read while Redis is unavailable, gets the page's flags from one page-bounded statement instead.
 * Tests: apps/api/test/cache/viewer-relations.e2e.spec.ts, read-cache.e2e.spec.ts,
 * stampede.e2e.spec.ts, redis-outage.e2e.spec.ts.
 */
@Injectable()
export class ViewerOverlayCache {
  private readonly decoded = new Map<number, { entry: string; relations: CachedRelations }>();
  private decodedChars = 0;
  private readonly bitsByHandle = new WeakMap<object, Map<number, { entry: string; bits: string }>>();

  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly relations: ViewerRelationsRepository,
  ) {}

  /** The anonymous response from this instance's memory, or undefined (then `read`). No I/O. See VersionedCache.peekLocal for 'stale'. */
  peekAnonymous(cache: string, key: string, freshness: Freshness = 'fresh'): CachedBody | undefined {
    const hit = this.cache.peekLocal(cache, key, freshness);
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
      personal: viewer && { scope: String(viewer.id), key: 'relations', tags: [CacheTags.viewer(viewer.id)], compute: () => this.relations.load(viewer.id) },
    });
    if (viewer === undefined) return { body: sharedBodyBytes(result.shared, result.handle), version: result.version };
    const bits = this.knownBits(result.handle, viewer.id, result.personal) ?? (await this.workOutBits(spec, viewer.id, result));
    return { body: applyFlagsBytes(result.shared, result.handle, bits), version: result.version };
  }

  /**
   * Flags already worked out for this shared entry (its in-process handle: the same object for as
   * long as the entry is) and this viewer's relations entry: a viewer re-reading a page pays no
   * lookup. Bounded per shared entry (BITS_PER_ENTRY_MAX viewers, short relations entries only);
   * gone with it.
   */
  private knownBits(handle: object | undefined, viewerId: number, entry: string | undefined): string | undefined {
    const known = handle && this.bitsByHandle.get(handle)?.get(viewerId);
    return known && known.entry === entry ? known.bits : undefined;
  }

  private async workOutBits(spec: ViewerOverlayRead, viewerId: number, result: CacheReadResult): Promise<string> {
    const entry = result.personal;
    const bits = await spec.overlay(this.flagsSource(viewerId, entry), viewerId, sharedMeta(result.shared));
    if (result.handle && entry !== undefined && entry !== TOO_MANY_RELATIONS && entry.length <= BITS_RELATIONS_MAX_CHARS) {
      let byViewer = this.bitsByHandle.get(result.handle);
      if (!byViewer) this.bitsByHandle.set(result.handle, (byViewer = new Map()));
      if (byViewer.size >= BITS_PER_ENTRY_MAX) byViewer.clear();
      byViewer.set(viewerId, { entry, bits });
    }
    return bits;
  }

  /** The viewer's cached relations (decoded once per entry), else the page-bounded statement. */
  private flagsSource(viewerId: number, entry: string | undefined): ViewerFlagsSource {
    if (entry === undefined || entry === TOO_MANY_RELATIONS) return { among: (authorIds, articleIds) => this.relations.among(viewerId, authorIds, articleIds) };
    const known = this.decoded.get(viewerId);
    if (known?.entry === entry) return known.relations;
    const relations = new CachedRelations(entry);
    if (known) this.decodedChars -= known.entry.length;
    if (this.decodedChars + entry.length > DECODED_CHARS_MAX) {
      this.decoded.clear();
      this.decodedChars = 0;
    }
    this.decoded.set(viewerId, { entry, relations });
    this.decodedChars += entry.length;
    return relations;
  }
}
