import type { FastifyReply, FastifyRequest } from 'fastify';

/** 'stale': an in-process entry expired within CACHE_STALE_ON_OVERLOAD_MS may answer too (VersionedCache.peekLocal). */
export type Freshness = 'fresh' | 'stale';

/** A cached response body and the cache version it was read under. */
export interface CachedBody {
  /** Bytes when encoded once for an in-process entry, else the JSON string. */
  body: string | Buffer;
  /** Cache version (the ETag); null when Redis could not be asked. */
  version: string | null;
}

/** Flags in cached bodies: every viewer-dependent flag is stored as `false` and set per viewer. */
const FLAG = /"(favorited|following)":false/g;

/**
 * Sets the viewer's flags in a cached anonymous body without parsing it. `bits` has one
 * '0'/'1' per flag occurrence, in document order. Safe on user content: inside JSON strings a
 * quote is always escaped, so `"favorited":false` only matches real keys.
 * Tested in apps/api/src/cache/cached-response.spec.ts.
 */
export function applyFlags(body: string, bits: string | undefined): string {
  if (!bits || bits.indexOf('1') === -1) return body;
  let i = 0;
  return body.replace(FLAG, (match, key: string) => (bits.charCodeAt(i++) === 49 ? `"${key}":true` : match));
}

interface FlagSegments {
  /** The body's bytes split around each flag: parts.length = keys.length + 1. */
  parts: Buffer[];
  keys: ('favorited' | 'following')[];
}

const segmentsByEntry = new WeakMap<object, FlagSegments>();
const FLAG_BYTES = {
  favorited: [Buffer.from('"favorited":false'), Buffer.from('"favorited":true')],
  following: [Buffer.from('"following":false'), Buffer.from('"following":true')],
} as const;

/**
 * applyFlags for a body held by an in-process entry: the body is split around its flags once per
 * entry (memoized by its handle), then each viewer's response is a concatenation of bytes (no
 * regex over the body, no UTF-8 encoding of it per request).
 * Tested in apps/api/src/cache/cached-response.spec.ts.
 */
export function applyFlagsBytes(entry: string, handle: object | undefined, bits: string | undefined): Buffer | string {
  if (!handle) return applyFlags(sharedBody(entry), bits);
  if (!bits || bits.indexOf('1') === -1) return sharedBodyBytes(entry, handle);
  let segments = segmentsByEntry.get(handle);
  if (!segments) {
    const body = sharedBody(entry);
    const parts: Buffer[] = [];
    const keys: FlagSegments['keys'] = [];
    let last = 0;
    for (const match of body.matchAll(FLAG)) {
      parts.push(Buffer.from(body.slice(last, match.index)));
      keys.push(match[1] as 'favorited' | 'following');
      last = match.index + match[0].length;
    }
    parts.push(Buffer.from(body.slice(last)));
    segmentsByEntry.set(handle, (segments = { parts, keys }));
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for (let i = 0; i < segments.keys.length; i++) {
    const flag = FLAG_BYTES[segments.keys[i]][bits.charCodeAt(i) === 49 ? 1 : 0];
    chunks.push(segments.parts[i], flag);
    length += segments.parts[i].length + flag.length;
  }
  const tail = segments.parts[segments.keys.length];
  chunks.push(tail);
  return Buffer.concat(chunks, length + tail.length);
}

/**
 * Shared entries are stored as `<meta>\n<anonymous JSON body>`: the meta line carries the ids the
 * viewer overlay needs (never shown to clients), the rest is sent as is.
 */
export function sharedEntry(meta: string, body: string): string {
  return `${meta}\n${body}`;
}

export function sharedMeta(entry: string): string {
  return entry.slice(0, entry.indexOf('\n'));
}

export function sharedBody(entry: string): string {
  return entry.slice(entry.indexOf('\n') + 1);
}

const encoded = new WeakMap<object, Buffer>();

/**
 * The anonymous body as bytes, encoded once per in-process entry: a local hit then costs no
 * UTF-8 encoding of a ~10 KB string per response (measured: the largest CPU item on hits).
 */
export function sharedBodyBytes(entry: string, handle: object | undefined): Buffer | string {
  if (!handle) return sharedBody(entry);
  let bytes = encoded.get(handle);
  if (!bytes) encoded.set(handle, (bytes = Buffer.from(sharedBody(entry))));
  return bytes;
}

/**
 * HTTP caching of a cached read (pattern: conditional GET).
 * - ETag = the cache version the body was read under (no hashing of bodies); for a signed-in
 *   viewer it also carries the viewer id and their flags version. No ETag when Redis was down.
 * - If-None-Match matching -> 304 without a body.
 * - Anonymous: `public, no-cache` (shared caches may store it but must revalidate); signed in:
 *   `private, no-cache` (a shared cache must never store a per-user response). `Vary:
 *   Authorization` keeps the two apart in any cache (after CORS's `Vary: Origin`, kept).
 * Tested in apps/api/test/cache/read-cache.e2e.spec.ts ("ETag and Cache-Control").
 */
export function sendCached(request: FastifyRequest, reply: FastifyReply, body: string | Buffer, version: string | null, viewerId: number | undefined): void {
  reply.header('cache-control', viewerId === undefined ? 'public, no-cache' : 'private, no-cache');
  // Added to what is there: CORS has already set `Vary: Origin` (the allowed origin is echoed).
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, Authorization` : 'Authorization');
  if (version !== null) {
    const etag = viewerId === undefined ? `"${version}"` : `"u${viewerId}-${version}"`;
    reply.header('etag', etag);
    if (ifNoneMatch(request.headers['if-none-match'], etag)) {
      reply.code(304).send();
      return;
    }
  }
  reply.code(200).type('application/json; charset=utf-8').send(body);
}

/** True when an If-None-Match header matches `etag` (strong or weak form, or `*`). */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}
