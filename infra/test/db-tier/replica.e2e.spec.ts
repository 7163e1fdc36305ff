import { ApiClient, TestRedisServer } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_TIER, requireDbTierTools } from './support/db-tier-gate.js';
import { describeFailures, failed, startTraffic } from '../support/traffic.js';
import { startApiFleet, type ApiFleet } from './support/api-fleet.js';
import { startReplicatedCluster, type ReplicatedCluster } from './support/replicated-cluster.js';

// The replica applies WAL this late: far longer than a request takes even on a busy box, so
// "not on the replica yet" is certain right after a write.
const APPLY_DELAY_MS = 4_000;

/** db_routed_reads_total{target,reason} from an instance's /metrics. */
async function routedReads(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^db_routed_reads_total\{target="(\w+)",reason="(\w+)"\} (\d+)/gm)) counts[`${m[1]}:${m[2]}`] = Number(m[3]);
  return counts;
}
const delta = (after: Record<string, number>, before: Record<string, number>, key: string) => (after[key] ?? 0) - (before[key] ?? 0);

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Read routing with a streaming replica delayed by recovery_min_apply_delay: reads go to the
 * replica only once it has replayed the app's last write (WAL position in Redis), so the writer and
 * everyone else see a new article and comment at once; with no write pending they are served by the
 * replica; when the replica stops, reads fall back to the primary with no 5xx.
 */
describe.skipIf(!DB_TIER)('read replica: routing, read-your-writes, fallback', () => {
  let db: ReplicatedCluster;
  let redis: TestRedisServer;
  let fleet: ApiFleet;
  let api: string;
  let replicaClient: pg.Client;
  /** The API's settings: this file's primary, replica and Redis. */
  let fleetEnv: Record<string, string> = {};

  beforeAll(async () => {
    requireDbTierTools();
    db = await startReplicatedCluster(APPLY_DELAY_MS);
    redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
    await redis.start();
    fleetEnv = {
      DATABASE_URL: db.primaryUrl,
      DATABASE_REPLICA_URL: db.replica.url,
      // Lag beyond this sends reads to the primary even without a pending write of the app.
      DB_REPLICA_MAX_LAG_MS: String(APPLY_DELAY_MS * 3),
      REDIS_URL: redis.url,
      QUEUE_REDIS_URL: redis.url,
      WARMUP_REQUESTS: '0',
      RATE_LIMIT_ENABLED: 'false',
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'db-tier-test-secret-0123456789abcdef',
    };
    fleet = await startApiFleet(1, fleetEnv);
    expect(fleet.ready, fleet.notReadyLogs()).toBe(1);
    api = fleet.urls[0];
    replicaClient = new pg.Client({ connectionString: db.replica.url, query_timeout: 5_000 });
    replicaClient.on('error', () => {}); // the fallback test stops the replica under it
    await replicaClient.connect();
  }, 180_000);

  afterAll(async () => {
    await replicaClient?.end().catch(() => {});
    await fleet?.stop();
    await redis?.stop();
    await db?.stop();
  }, 60_000);

  const onReplica = async (slug: string) => (await replicaClient.query('SELECT 1 FROM articles WHERE slug = $1', [slug])).rowCount === 1;

  it("shows the writer and other readers a new article and comment at once, while the replica doesn't have them yet", async () => {
    const client = new ApiClient(api);
    const writer = await client.actingAsNewUser('writer');
    const other = await client.actingAsNewUser('other');
    // A registration is a write too: the new user's profile is there at once.
    expect((await other.client.get(`/api/profiles/${other.username}`)).status).toBe(200);
    const created = await writer.client.post('/api/articles', { article: { title: `Replica ${Date.now()}`, description: 'd', body: 'b', tagList: ['replicated'] } });
    expect(created.status).toBe(201);
    const slug = created.body.article.slug as string;
    expect(await onReplica(slug)).toBe(false); // the delay is real: a replica read would miss it

    for (const reader of [writer.client, other.client, client]) {
      expect((await reader.get(`/api/articles/${slug}`)).status).toBe(200);
      const byAuthor = await reader.get(`/api/articles?author=${writer.username}&limit=7`);
      expect(byAuthor.body.articles.map((a: { slug: string }) => a.slug)).toContain(slug);
      expect((await reader.get('/api/tags')).body.tags).toContain('replicated');
    }
    const comment = await writer.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'first' } });
    expect(comment.status).toBe(200);
    for (const reader of [writer.client, other.client]) {
      const comments = await reader.get(`/api/articles/${slug}/comments`);
      expect(comments.body.comments.map((c: { body: string }) => c.body)).toEqual(['first']);
    }
    // ...and the replica gets there on its own (its stated lag: the apply delay).
    await until('the replica to replay the article', () => onReplica(slug), APPLY_DELAY_MS * 5);
  }, 60_000);

  it('serves reads from the replica once it has replayed the last write', async () => {
    const before = await routedReads(api);
    const client = new ApiClient(api);
    // Distinct pages: each one misses the cache and is filled from the database.
    await until(
      'reads routed to the replica',
      async () => {
        const limit = 2 + Math.floor(Math.random() * 50);
        expect((await client.get(`/api/articles?limit=${limit}&offset=${Math.floor(Math.random() * 1000)}`)).status).toBe(200);
        return delta(await routedReads(api), before, 'replica:ok') >= 5;
      },
      APPLY_DELAY_MS * 5,
    );
  }, 60_000);

  it('sends reads to the primary while the replica lags past DB_REPLICA_MAX_LAG_MS', async () => {
    // A second instance with a 1 s bound: during the 4 s apply delay the replica's lag (age of the
    // last replayed commit) is at least 4 s, so its reads go to the primary as `lagging`.
    const strict = await startApiFleet(1, { ...fleetEnv, DB_REPLICA_MAX_LAG_MS: '1000' });
    try {
      expect(strict.ready, strict.notReadyLogs()).toBe(1);
      const url = strict.urls[0];
      const writer = await new ApiClient(url).actingAsNewUser('lagging');
      expect((await writer.client.post('/api/articles', { article: { title: `Lag ${Date.now()}`, description: 'd', body: 'b', tagList: [] } })).status).toBe(201);
      const before = await routedReads(url);
      await until(
        'reads routed to the primary as lagging',
        async () => {
          expect((await fetch(`${url}/api/articles?limit=${2 + Math.floor(Math.random() * 60)}`)).status).toBe(200);
          return delta(await routedReads(url), before, 'primary:lagging') >= 3;
        },
        APPLY_DELAY_MS,
      );
    } finally {
      await strict.stop();
    }
  }, 90_000);

  it('falls back to the primary when the replica stops, with no failed request, and returns to it when back', async () => {
    const client = new ApiClient(api);
    const writer = await client.actingAsNewUser('fallback');
    const traffic = startTraffic({
      concurrency: 2,
      maxRequests: 100_000,
      pauseMs: 20,
      request: (i) => ({ method: 'GET', url: `${api}/api/articles?limit=${1 + (i % 90)}&offset=${i}`, headers: { authorization: `Token ${writer.token}` } }),
    });
    await new Promise((r) => setTimeout(r, 500));
    await db.replica.stop();
    const stoppedAt = Date.now();
    const before = await routedReads(api);
    await until('reads routed to the primary because the replica is down', async () => delta(await routedReads(api), before, 'primary:down') >= 5, 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    db.replica.process.start();
    const back = await routedReads(api);
    await until('reads back on the replica', async () => delta(await routedReads(api), back, 'replica:ok') >= 5, 60_000);
    const outcomes = await traffic.stop();
    expect(outcomes.filter((o) => o.at >= stoppedAt).length).toBeGreaterThan(10);
    expect(outcomes.filter(failed), describeFailures(outcomes)).toHaveLength(0);
  }, 120_000);
});
