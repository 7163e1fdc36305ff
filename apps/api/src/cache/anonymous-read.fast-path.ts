import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ArticleCache } from '../articles/article.cache.js';
import { listArticlesQuerySchema } from '../articles/article.schemas.js';
import type { CommentsCache } from '../comments/comments.cache.js';
import type { TagsCache } from '../tags/tags.cache.js';
import type { RateLimitGuard } from '../traffic/rate-limit.guard.js';
import { sendCached, type CachedBody } from './cached-response.js';

export interface AnonymousReadDeps {
  articles: ArticleCache;
  comments: CommentsCache;
  tags: TagsCache;
  rateLimit: RateLimitGuard;
}

/** Returns the read to run, or undefined to leave the request to Nest. */
type Read = (request: FastifyRequest, deps: AnonymousReadDeps) => (() => Promise<CachedBody>) | undefined;

/** The anonymous reads served here, by route template; anything else goes through Nest. */
const READS: Record<string, Read> = {
  '/api/articles': (request, d) => {
    const query = listArticlesQuerySchema.safeParse(request.query);
    // Invalid query: Nest's validation pipe answers with the usual 422.
    return query.success ? () => d.articles.list(query.data, undefined) : undefined;
  },
  '/api/articles/:slug': (request, d) => () => d.articles.get((request.params as { slug: string }).slug, undefined),
  '/api/articles/:slug/comments': (request, d) => () => d.comments.list((request.params as { slug: string }).slug, undefined),
  '/api/tags': (_request, d) => () => d.tags.get(),
};

/**
 * Anonymous reads without the Nest pipeline (pattern: fast path for the hottest requests).
 * Protects against: the framework's per-request work (guards, pipes, interceptors, the
 * execution context) costing more than the cached read itself; anonymous reads are about half
 * of the mixed journey. A GET without an Authorization header to one of the four cached reads
 * (READS) is answered here, from the same cache services and with the same sendCached (ETag,
 * 304, Cache-Control, Vary) the controllers use; everything else, including any request with a
 * token and any invalid query, continues to Nest untouched.
 * Kept the same as through Nest: the general rate limit (RateLimitGuard.checkAnonymous), the
 * load shedder and time budget, helmet and CORS headers and request ids (all onRequest hooks,
 * which run before this preHandler hook), metrics by route template (onResponse), and errors
 * (thrown here, shaped by the same toErrorResponse as Nest's filter).
 * Tested in apps/api/test/cache/anonymous-fast-path.e2e.spec.ts; cost in `npm run bench:cache`
 * and `npm run bench:cost`.
 */
export function anonymousReadFastPath(deps: AnonymousReadDeps) {
  const plugin = async (fastify: FastifyInstance) => {
    // preHandler: after every onRequest hook (load shedder, request id, helmet, CORS), whatever
    // order their plugins loaded in, and before Nest's route handler.
    fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'GET' || request.headers.authorization !== undefined) return;
      const read = READS[request.routeOptions.url ?? ''];
      if (!read) return;
      const run = read(request, deps);
      if (!run) return;
      // Rate limit first, as the guard would (a limited client never reaches the cache).
      await deps.rateLimit.checkAnonymous(request);
      const { body, version } = await run();
      sendCached(request, reply, body, version, undefined);
      return reply;
    });
  };
  // Hooks at the root (like fastify-plugin): they apply to every route.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
