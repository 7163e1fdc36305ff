import { ApiClient, TestRedisServer, type ApiResponse } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cache (and rate-limit) Redis is optional: killed, frozen (SIGSTOP) or restarted, every read
 * is still answered from PostgreSQL, nothing returns 5xx, no request waits on Redis past the
 * command budget (REDIS_COMMAND_TIMEOUT_MS 150 ms; checked loosely: each request < 2 s), and
 * caching resumes by itself (version ETags come back) once Redis is back.
 * Own redis-server, started and stopped by this file.
 */
describe('Redis outage: the cache fails open (e2e, own redis-server)', () => {
  const redis = new TestRedisServer();
  let t: TestApp;
  let api: ApiClient;
  let writer: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  let reader: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  let slug: string;
  const paths = () => ['/api/articles', '/api/articles?tag=outage', `/api/articles/${slug}`, `/api/profiles/${writer.username}`, '/api/tags'];

  /** Every hot read, anonymous and signed in; all must be 200 and finish within the generous bound. */
  async function readEverything(): Promise<ApiResponse[]> {
    const results: ApiResponse[] = [];
    for (const client of [api, reader.client]) {
      for (const path of paths()) {
        const started = Date.now();
        const res = await client.get(path);
        expect(Date.now() - started, `${path} took too long`).toBeLessThan(2_000);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
        results.push(res);
      }
    }
    return results;
  }

  /** Caching is back when the reads carry version ETags again (no ETag = served without Redis). */
  async function untilCachingResumes(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const results = await readEverything();
      if (results.every((r) => r.headers.get('etag'))) return;
      if (Date.now() > deadline) throw new Error('caching did not resume');
      await sleep(200);
    }
  }

  beforeAll(async () => {
    await redis.start();
    t = await startTestApp({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '150' });
    api = new ApiClient(t.url);
    writer = await api.actingAsNewUser('outage_w');
    reader = await api.actingAsNewUser('outage_r');
    slug = (await createArticle(writer.client, { tagList: ['outage'] })).slug;
    await untilCachingResumes();
  });
  afterAll(async () => {
    await t?.close();
    await redis.stop();
  });

  it('Redis killed: reads and writes still work from PostgreSQL, the writer sees their write; then restarted: caching resumes', async () => {
    await redis.kill();
    try {
      const during = await readEverything();
      // Signed-in reads always ask Redis: without it they carry no version ETag. (Anonymous ones,
      // and /api/tags which is the same for everyone, may still come from the in-process layer
      // for up to CACHE_LOCAL_TTL_MS.)
      expect(during.slice(paths().length, -1).map((r) => r.headers.get('etag'))).toEqual([null, null, null, null]);
      await sleep(1_100);
      expect((await readEverything()).some((r) => r.headers.get('etag'))).toBe(false);

      expect((await reader.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
      expect((await writer.client.put(`/api/articles/${slug}`, { article: { body: 'written during the outage' } })).status).toBe(200);
      expect((await writer.client.get(`/api/articles/${slug}`)).body.article.body).toBe('written during the outage');
    } finally {
      await redis.start();
    }
    await untilCachingResumes();
    // Redis restarted empty: nothing stale can come back; the writes are visible.
    expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: true, body: 'written during the outage' });
    expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(1);
  });

  it('Redis frozen (SIGSTOP): every request still answered, none hangs; after SIGCONT caching resumes', async () => {
    await readEverything(); // warm
    redis.freeze();
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => readEverything()));
      expect(results.flat()).toHaveLength(40);
      // Writes while frozen: the invalidation cannot reach Redis...
      expect((await reader.client.delete(`/api/articles/${slug}/favorite`)).status).toBe(200);
      expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    } finally {
      redis.thaw();
    }
    await untilCachingResumes();
    // ...yet the pre-write entries cached before the freeze are never served afterwards (epoch rotated).
    expect((await reader.client.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(0);
    expect((await api.get('/api/articles?tag=outage')).body.articles[0].favoritesCount).toBe(0);
  });

  /** The cache client's breaker counters from /metrics (redis_breaker_events_total, summed per event). */
  async function breakerEvents(): Promise<Record<string, number>> {
    const text = (await api.get('/metrics')).body as string;
    const events: Record<string, number> = { command: 0, skipped: 0, opened: 0, probe: 0 };
    for (const m of text.matchAll(/^redis_breaker_events_total\{client="cache-[^"]*",event="(\w+)"\} (\d+)/gm)) events[m[1]] = (events[m[1]] ?? 0) + Number(m[2]);
    return events;
  }

  it('Redis frozen: after the first detection, sequential requests send nothing to Redis and it is probed at most once per backoff period', async () => {
    await readEverything();
    const before = await breakerEvents();
    redis.freeze();
    try {
      // Detection: sequential requests until the breaker has opened (the cache, rate limiter and presence share it).
      let beforeOpening = Date.now();
      for (let i = 0; i < 20 && (await breakerEvents()).opened === before.opened; i++) {
        beforeOpening = Date.now();
        await readEverything();
      }
      const atOpen = await breakerEvents();
      expect(atOpen.opened).toBeGreaterThan(before.opened);
      for (let i = 0; i < 6; i++) await readEverything(); // 60 more sequential requests
      const after = await breakerEvents();
      const elapsed = Date.now() - beforeOpening;
      expect(after.command).toBe(atOpen.command);
      expect(after.skipped).toBeGreaterThan(atOpen.skipped);
      // Backoff 0.5 s, 1 s, 2 s ...: probe j starts no earlier than the first j periods after opening.
      let bound = 0;
      for (let at = 0, period = 500; at + period <= elapsed; period = Math.min(period * 2, 5_000)) [at, bound] = [at + period, bound + 1];
      expect(after.probe - before.probe).toBeLessThanOrEqual(bound);
    } finally {
      redis.thaw();
    }
    await untilCachingResumes();
  });

  it('counts what happened: Redis failures and reads served without it are visible at /metrics', async () => {
    const metrics = (await api.get('/metrics')).body as string;
    expect(metrics).toMatch(/cache_redis_failures_total\{op="read",reason="(error|skipped)"\} [1-9]/);
    expect(metrics).toMatch(/cache_requests_total\{cache="article",layer="redis",result="unavailable"\} [1-9]/);
    expect(metrics).toMatch(/cache_requests_total\{cache="article",layer="redis",result="hit"\} [1-9]/);
    // Health: Redis shown as degraded, never making the instance unready.
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
  });
});
