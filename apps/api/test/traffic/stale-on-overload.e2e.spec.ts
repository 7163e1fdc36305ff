import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { lockUsers, sleep, until } from '../support/stuck-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LOCAL_TTL_MS = 200;
// Generous: the stale reads come about 1 s after the entries expire, later on a busy box.
const STALE_GRACE_MS = 8_000;

/**
 * Stale on overload (src/cache/memory-hit-front.ts): while an instance sheds anonymous reads, an
 * in-process entry expired within CACHE_STALE_ON_OVERLOAD_MS answers them instead of a 503 and is
 * refreshed in the background, so it stays served for as long as the shedding lasts; one a write on
 * this instance invalidated never answers, nor does anything once the instance admits reads again.
 * (An entry past its grace is never served: libs/cache/src/local-layer.spec.ts.)
 */
describe('stale on overload (e2e)', () => {
  let t: TestApp;
  let api: ApiClient;
  let writer: ApiClient;
  let token: string;
  let slug: string;
  let author: string;

  beforeAll(async () => {
    // Limit pinned at 4 (min = max): anonymous reads may fill 2 of it. No rate limit here: a
    // client's first hit of a rate window goes past the memory front, and a window may roll over
    // mid-test (the front's rate-limit parity is tested in memory-hit-front.e2e.spec.ts).
    t = await startTestApp({
      LOAD_SHED_MAX_IN_FLIGHT: '4',
      LOAD_SHED_MIN_CONCURRENCY: '4',
      DB_POOL_MAX: '8',
      CACHE_LOCAL_TTL_MS: String(LOCAL_TTL_MS),
      CACHE_STALE_ON_OVERLOAD_MS: String(STALE_GRACE_MS),
      RATE_LIMIT_ENABLED: 'false',
      // The stuck reads must outlast the grace (their own timeouts would end the shedding first).
      DB_STATEMENT_TIMEOUT_MS: '30000',
      REQUEST_TIMEOUT_MS: '30000',
    });
    api = new ApiClient(t.url);
    const acting = await api.actingAsNewUser('stale');
    writer = acting.client;
    token = acting.token;
    author = acting.username;
    slug = (await createArticle(writer, { tagList: ['staleonload'] })).slug;
  });
  afterAll(() => t?.close());

  const inFlight = async () => (await api.get('/health/ready')).body?.details?.load?.inFlight as number;
  const staleServed = async (cache: string) => {
    const metrics = String((await api.get('/metrics')).body);
    const line = metrics.split('\n').find((l) => l.startsWith('cache_requests_total{') && l.includes(`cache="${cache}"`) && l.includes('result="stale"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('answers shed anonymous reads from entries expired within the grace, never from ones this instance invalidated', async () => {
    // Anonymous reads fill the in-process layer.
    const tags = await api.get('/api/tags');
    const profile = await api.get(`/api/profiles/${author}`);
    expect((await api.get('/api/articles?limit=5')).status).toBe(200);
    expect((await api.get(`/api/articles/${slug}`)).status).toBe(200);
    expect([tags.status, profile.status]).toEqual([200, 200]);
    // A favorite on this instance invalidates the lists and the article (not the tags, not the profile).
    expect((await writer.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    await sleep(LOCAL_TTL_MS + 100); // every local entry has expired

    const unlock = await lockUsers(t.db.url);
    const slow: Promise<{ status: number }>[] = [];
    try {
      // Two signed-in reads stuck on the locked table: anonymous reads are now shed.
      slow.push(api.as(token).get('/api/user'), api.as(token).get('/api/user'));
      await until(async () => (await inFlight()) === 2, 'two requests in flight');
      expect((await api.get('/health/ready')).body.details.load.shedding).toBe(true);

      const staleTags = await api.get('/api/tags');
      expect(staleTags.status).toBe(200);
      expect(staleTags.headers.get('x-cache')).toBe('stale');
      expect(staleTags.body).toEqual(tags.body);
      expect(staleTags.headers.get('etag')).toBe(tags.headers.get('etag'));
      const staleProfile = await api.get(`/api/profiles/${author}`);
      expect(staleProfile.status).toBe(200);
      expect(staleProfile.headers.get('x-cache')).toBe('stale');
      expect(staleProfile.body).toEqual(profile.body);
      // Invalidated here by the favorite: refused rather than served from before the write.
      expect((await api.get('/api/articles?limit=5')).status).toBe(503);
      expect((await api.get(`/api/articles/${slug}`)).status).toBe(503);
      // Never read: nothing to serve.
      expect((await api.get('/api/articles?limit=7')).status).toBe(503);
      expect(await staleServed('tags')).toBeGreaterThanOrEqual(1);
      expect(await staleServed('profile')).toBeGreaterThanOrEqual(1);

      // The stale answer refreshed the entry in the background (from Redis): the tags are fresh
      // again while the instance still sheds, so they do not lapse with the grace.
      await until(async () => {
        const res = await api.get('/api/tags');
        expect(res.status).toBe(200);
        return res.headers.get('x-cache') === null;
      }, 'a refreshed tags entry');
      expect((await api.get('/health/ready')).body.details.load.shedding).toBe(true);
      // Read on for longer than the grace: every answer is served (stale ones refresh the entry).
      const readUntil = Date.now() + STALE_GRACE_MS + 1_000;
      while (Date.now() < readUntil) {
        const later = await api.get('/api/tags');
        expect(later.status).toBe(200);
        expect(later.body).toEqual(tags.body);
        await sleep(300);
      }
      expect((await api.get('/health/ready')).body.details.load.shedding).toBe(true);
    } finally {
      await unlock();
    }
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);

    // Admitted again: a fresh answer, not marked stale.
    await until(async () => (await inFlight()) === 0, 'nothing in flight');
    const fresh = await api.get('/api/tags');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-cache')).toBeNull();
  }, 60_000);
});
