import { ApiClient, TestRedisServer } from '@conduit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Not per request: this file's own INFO, and the periodic health probes (PING) of the Redis clients. */
const BACKGROUND = new Set(['info', 'ping']);

type Actor = Awaited<ReturnType<ApiClient['actingAsNewUser']>>;

/** Commands Redis executed so far, by name (INFO commandstats; commands run inside Lua scripts count too). */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(match[1], Number(match[2]));
  return counts;
}

/**
 * The Redis commands of a signed-in cached read, counted (not timed) on a redis-server owned by
 * this file: one script call whose single MGET reads the epoch, every tag version, the viewer's
 * version, the shared entry and the viewer's flags (2 commands per read, whatever the number of
 * tags). Anything added to the signed-in path (auth, overlay, cache) shows here as a count.
 * The general rate limit is off: its batched background sync depends on time, not on requests
 * (apps/api/src/traffic/batched-window.spec.ts).
 */
describe('Redis commands per signed-in read (e2e, own redis-server)', () => {
  const server = new TestRedisServer();
  let redis: Redis;
  let t: TestApp;
  let author: Actor;
  let reader: Actor;
  let slug: string;

  beforeAll(async () => {
    await server.start();
    redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    t = await startTestApp({ REDIS_URL: server.url, RATE_LIMIT_ENABLED: 'false' });
    const api = new ApiClient(t.url);
    author = await api.actingAsNewUser('cmd_author');
    reader = await api.actingAsNewUser('cmd_reader');
    slug = (await createArticle(author.client, { tagList: ['commands'] })).slug;
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
    await server.stop();
  });

  /** Commands per read of `path` by the reader, once the entry and the reader's flags are cached. */
  async function commandsPerRead(path: string, reads = 10): Promise<Record<string, number>> {
    for (let i = 0; i < 2; i++) expect((await reader.client.get(path)).status).toBe(200);
    const before = await commandCounts(redis);
    for (let i = 0; i < reads; i++) expect((await reader.client.get(path)).status).toBe(200);
    const after = await commandCounts(redis);
    const perRead: Record<string, number> = {};
    for (const [name, calls] of after) {
      if (BACKGROUND.has(name)) continue;
      const delta = calls - (before.get(name) ?? 0);
      if (delta > 0) perRead[name] = delta / reads;
    }
    return perRead;
  }

  it.each([
    { name: 'GET /api/articles', path: () => '/api/articles' },
    { name: 'GET /api/articles?tag=', path: () => '/api/articles?tag=commands' },
    { name: 'GET /api/articles/:slug', path: () => `/api/articles/${slug}` },
    { name: 'GET /api/profiles/:username', path: () => `/api/profiles/${author.username}` },
  ])('$name signed in: one script call with one MGET', async ({ path }) => {
    expect(await commandsPerRead(path())).toEqual({ evalsha: 1, mget: 1 });
  });

  it("the reader's own favorite and follow show in their next read (then back to 2 commands)", async () => {
    expect((await reader.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await reader.client.post(`/api/profiles/${author.username}/follow`)).status).toBe(200);
    expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: true, author: { following: true } });
    expect((await reader.client.get('/api/articles?tag=commands')).body.articles[0]).toMatchObject({ slug, favorited: true, author: { following: true } });
    expect((await reader.client.get(`/api/profiles/${author.username}`)).body.profile.following).toBe(true);
    expect(await commandsPerRead('/api/articles?tag=commands')).toEqual({ evalsha: 1, mget: 1 });
  });
});
