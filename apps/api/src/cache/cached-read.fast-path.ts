import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '@conduit/contracts';
import type { ArticleCache } from '../articles/article.cache.js';
import { listArticlesQuerySchema, type ListArticlesQuery } from '../articles/article.schemas.js';
import { tokenFromHeader, type TokenService } from '../auth/token.service.js';
import type { CommentsCache } from '../comments/comments.cache.js';
import type { ProfileCache } from '../profiles/profile.cache.js';
import type { TagsCache } from '../tags/tags.cache.js';
import type { RateLimitGuard } from '../traffic/rate-limit.guard.js';
import { sendCached, type CachedBody } from './cached-response.js';

export interface CachedReadDeps {
  articles: ArticleCache;
  comments: CommentsCache;
  profiles: ProfileCache;
  tags: TagsCache;
  rateLimit: RateLimitGuard;
  tokens: TokenService;
}

/** Returns the read to run for this viewer, or undefined to leave the request to Nest. */
type Run = (request: FastifyRequest, deps: CachedReadDeps, viewer: AuthUser | undefined) => (() => Promise<CachedBody>) | undefined;

/** A cached read and its auth mode, as on its controller: `optional` (@OptionalAuth) or `public` (@Public, a token is ignored). */
interface Read {
  auth: 'optional' | 'public';
  run: Run;
}

const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name];

/** Parsed list queries by raw query string (null: invalid); a few distinct ones make most of the traffic. */
const listQueries = new Map<string, Readonly<ListArticlesQuery> | null>();
const LIST_QUERIES_MAX = 1_000;

/** The list query, validated by its schema once per distinct query string. */
function listQuery(request: FastifyRequest): Readonly<ListArticlesQuery> | null {
  const at = request.url.indexOf('?');
  const raw = at === -1 ? '' : request.url.slice(at + 1);
  let query = listQueries.get(raw);
  if (query === undefined) {
    const parsed = listArticlesQuerySchema.safeParse(request.query);
    query = parsed.success ? Object.freeze(parsed.data) : null;
    if (listQueries.size >= LIST_QUERIES_MAX) listQueries.clear();
    listQueries.set(raw, query);
  }
  return query;
}

/**
 * The list query for a raw query string if one request with it has already been parsed and
 * validated (listQuery); undefined for a query string not seen yet or invalid. No parsing.
 */
export function knownListQuery(rawQuery: string): Readonly<ListArticlesQuery> | undefined {
  return listQueries.get(rawQuery) ?? undefined;
}

/** The cached reads served here, by route template; anything else goes through Nest. */
const READS: Record<string, Read> = {
  '/api/articles': {
    auth: 'optional',
    run: (request, d, viewer) => {
      const query = listQuery(request);
      // Invalid query: Nest's validation pipe answers with the usual 422.
      return query ? () => d.articles.list(query, viewer) : undefined;
    },
  },
  '/api/articles/:slug': { auth: 'optional', run: (request, d, viewer) => () => d.articles.get(param(request, 'slug'), viewer) },
  '/api/articles/:slug/comments': { auth: 'optional', run: (request, d, viewer) => () => d.comments.list(param(request, 'slug'), viewer) },
  '/api/profiles/:username': { auth: 'optional', run: (request, d, viewer) => () => d.profiles.get(param(request, 'username'), viewer) },
  '/api/tags': { auth: 'public', run: (_request, d) => () => d.tags.get() },
};

/**
 * Cached reads without the Nest pipeline (pattern: fast path for the hottest requests).
 * Protects against: the framework's per-request work (guards, pipes, interceptors, the
 * execution context) costing more than the cached read itself; cached reads are most of the
 * mixed journey. Anonymous hits already in this instance's memory rarely get here: the
 * memory-hit front (memory-hit-front.ts) answers them before Fastify. This path takes the other
 * cached reads (Redis hits and misses, signed-in and cross-origin reads, a client's first request
 * of a rate window). A GET to one of the cached reads (READS) is answered here, from the same cache
 * services and with the same sendCached (ETag, 304, Cache-Control, Vary) the controllers use:
 * - without an Authorization header: anonymously;
 * - with a token on an optional-auth read: signed in, if TokenService.verify accepts the token
 *   (the AuthGuard's own check: signature, expiry, user still exists); an invalid token, an empty
 *   header or any invalid query continues to Nest untouched, which answers as always (401, 422).
 *   A public read (tags) ignores the header, as @Public() does.
 * Kept the same as through Nest: the general rate limit (RateLimitGuard.checkGeneral, keyed on the
 * user when signed in, else the address), the load shedder and time budget, security and CORS
 * headers and request ids (onRequest hooks registered before this one, see create-app.ts), metrics
 * by route template (onResponse), and errors (thrown here, shaped by the same toErrorResponse as
 * Nest's filter). GET routes record no write watermark, so skipping the interceptors changes nothing.
 * Tested in apps/api/test/cache/anonymous-fast-path.e2e.spec.ts and
 * apps/api/test/cache/signed-in-fast-path.e2e.spec.ts; cost in `npm run bench:cache` and
 * `npm run bench:cost`.
 */
export function cachedReadFastPath(deps: CachedReadDeps) {
  const plugin = async (fastify: FastifyInstance) => {
    // onRequest, registered right after the security headers: CORS, the load shedder, the request
    // id and the security headers have run (their hooks were added earlier); the hooks added later
    // (multipart's file cleanup), body parsing, validation and Nest's handler are skipped.
    fastify.addHook('onRequest', async (request: FastifyRequest & { user?: AuthUser }, reply: FastifyReply) => {
      if (request.method !== 'GET') return;
      const read = READS[request.routeOptions.url ?? ''];
      if (!read) return;
      const header = request.headers.authorization;
      let viewer: AuthUser | undefined;
      if (header !== undefined && read.auth === 'optional') {
        const token = tokenFromHeader(header);
        // A token seen before is decided without a promise (verifyKnown); else the full check.
        const user = token ? (deps.tokens.verifyKnown(token) ?? (await deps.tokens.verify(token))) : null;
        if (!user) return; // empty header, malformed, invalid or expired token: Nest answers
        viewer = { id: user.id, username: user.username };
        request.user = viewer;
      } else if (header === '') {
        return; // Nest treats it as anonymous; kept on the Nest path (the tests compare both)
      }
      const run = read.run(request, deps, viewer);
      if (!run) return;
      // Rate limit first, as the guard would (a limited client never reaches the cache).
      if (!deps.rateLimit.allowsGeneralLocally(request, viewer)) await deps.rateLimit.checkGeneral(request, viewer);
      const { body, version } = await run();
      sendCached(request, reply, body, version, viewer?.id);
      return reply;
    });
  };
  // Hooks at the root (like fastify-plugin): they apply to every route.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
