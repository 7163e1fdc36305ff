import { ApiClient, TestRedisServer } from '@conduit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { requestFrom } from '../support/request-from.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Not per request: this file's own INFO, the periodic health probes (PING) of the Redis clients,
 * and the chat adapter's stream read (XREAD BLOCK 2 s, issued again each time it returns: on a
 * busy box ten reads can span one).
 */
const BACKGROUND = new Set(['info', 'ping', 'xread']);

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

  it('a shared miss costs one round trip before the computation (the read, which takes the fill lock) and one after (store-and-unlock)', async () => {
    await commandsPerRead(`/api/articles/${slug}`, 1); // the entry and the reader's relations are cached
    // Another user's favorite moves the article's version: the reader's next read misses the
    // shared entry, while their relations entry (follows and favorites) stays current.
    expect((await author.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    const sent = await roundTrips(async () => {
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ slug, favoritesCount: 2, favorited: true });
    });
    // The read script (which also took the fill lock and read the relations), then
    // store-and-unlock (shared entry); nothing to store for the reader.
    expect(sent).toEqual(['evalsha', 'evalsha']);
    expect(await redis.keys('*lock:*')).toEqual([]);
    expect(await roundTrips(async () => expect((await reader.client.get(`/api/articles/${slug}`)).status).toBe(200))).toEqual(['evalsha']);
  });

  /**
   * Commands the app sent during `action`, one per round trip (MONITOR; commands inside scripts
   * are left out). MONITOR lines trail the replies, so the count ends at a marker this file sends
   * after the action: MONITOR reports commands in the order Redis ran them.
   */
  async function roundTrips(action: () => Promise<void>): Promise<string[]> {
    const monitor = await redis.monitor();
    const sent: string[] = [];
    const marker = `end-of-action-${Date.now()}`;
    let markerSeen!: () => void;
    const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = String(args[0]).toLowerCase();
      if (name === 'echo' && args[1] === marker) markerSeen();
      else if (source !== 'lua' && !BACKGROUND.has(name)) sent.push(name);
    });
    try {
      await action();
      await redis.echo(marker);
      await markerArrived;
    } finally {
      monitor.disconnect();
    }
    return sent;
  }
});

/**
 * The general rate limit's background flush: one INCRBY per client key, the time left in the
 * window read only on a key's first (blocking) sync. Counted on a redis-server owned by this file.
 */
describe('Redis commands of the batched rate limit (e2e, own redis-server)', () => {
  const server = new TestRedisServer();
  let redis: Redis;
  let t: TestApp;

  beforeAll(async () => {
    await server.start();
    redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    t = await startTestApp({ REDIS_URL: server.url, RATE_LIMIT_MAX: '100000' });
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
    await server.stop();
  });

  it('first hit of each client: INCRBY + PTTL + PEXPIRE; every later flush: INCRBY only', async () => {
    const addresses = ['127.0.0.91', '127.0.0.92', '127.0.0.93'];
    const before = await commandCounts(redis);
    for (let i = 0; i < 12; i++) {
      const statuses = await Promise.all(addresses.map((a) => requestFrom(a, t.url, 'GET', '/api/tags')));
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    }
    const key = (a: string) => `${t.config.REDIS_KEY_PREFIX}rl:general:ip:${a}`;
    for (let attempt = 0; attempt < 30 && (await redis.mget(...addresses.map(key))).some((c) => c !== '12'); attempt++) await new Promise((r) => setTimeout(r, 100));
    expect((await redis.mget(...addresses.map(key))).map(Number)).toEqual([12, 12, 12]);
    const after = await commandCounts(redis);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(delta('pttl')).toBe(3);
    expect(delta('pexpire')).toBe(3);
    // 3 first syncs, then the flushes (one or more 500 ms periods) carried the other 33 hits.
    expect(delta('incrby')).toBeGreaterThanOrEqual(6);
  });
});
