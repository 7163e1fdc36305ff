import { ApiClient, TestRedisServer } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_TIER, requireDbTierTools } from './support/db-tier-gate.js';
import { startTraffic } from '../support/traffic.js';
import { startApiFleet, type ApiFleet } from './support/api-fleet.js';
import { startPooledCluster, type PooledCluster } from './support/pooled-cluster.js';

/**
 * PgBouncer killed (SIGTERM: immediate shutdown, in-flight transactions cut) and started again
 * under steady writes and reads through one API instance: every request gets 2xx or a clean 503,
 * never a 500 or a dropped connection; no article is half-written (each one has its tag row and
 * counters); and service returns once PgBouncer is back.
 */
describe.skipIf(!DB_TIER)('PgBouncer restart under writes', () => {
  let db: PooledCluster;
  let redis: TestRedisServer;
  let fleet: ApiFleet;
  let direct: pg.Client;

  beforeAll(async () => {
    requireDbTierTools();
    db = await startPooledCluster(['max_connections=50'], { poolSize: 10, maxClientConn: 100, queryWaitTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
    redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
    await redis.start();
    fleet = await startApiFleet(1, {
      DATABASE_URL: db.pgbouncer.url,
      DB_TRANSACTION_POOLER: 'true',
      REDIS_URL: redis.url,
      QUEUE_REDIS_URL: redis.url,
      WARMUP_REQUESTS: '0',
      RATE_LIMIT_ENABLED: 'false',
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'db-tier-test-secret-0123456789abcdef',
    });
    expect(fleet.ready, fleet.notReadyLogs()).toBe(1);
    direct = new pg.Client({ connectionString: db.directUrl, query_timeout: 10_000 });
    await direct.connect();
  }, 180_000);

  afterAll(async () => {
    await direct?.end().catch(() => {});
    await fleet?.stop();
    await redis?.stop();
    await db?.stop();
  }, 60_000);

  it('answers 2xx or 503, writes nothing half, and serves again after the restart', async () => {
    const api = fleet.urls[0];
    const { token } = await new ApiClient(api).actingAsNewUser('restart');
    const auth = { authorization: `Token ${token}`, 'content-type': 'application/json' };
    const traffic = startTraffic({
      concurrency: 4,
      maxRequests: 100_000,
      pauseMs: 10,
      request: (i) =>
        i % 2 === 0
          ? { method: 'POST', url: `${api}/api/articles`, headers: auth, body: JSON.stringify({ article: { title: `restart ${i}`, description: 'd', body: 'b', tagList: ['restart'] } }) }
          : { method: 'GET', url: `${api}/api/articles?limit=5&offset=${i % 50}` },
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await db.pgbouncer.process.stop('SIGTERM', 5_000);
    const restartedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    await db.pgbouncer.start();
    // Service returns: a run of successful writes after the restart.
    const deadline = Date.now() + 30_000;
    while (traffic.outcomes.filter((o) => o.at > restartedAt + 1_000 && o.method === 'POST' && o.status === 201).length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const outcomes = await traffic.stop();

    const byStatus: Record<number, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const unclean = outcomes.filter((o) => o.status !== 503 && (o.status === 0 || o.status >= 500));
    expect(unclean, JSON.stringify(byStatus)).toHaveLength(0);
    expect(byStatus[503] ?? 0, `the restart was felt: ${JSON.stringify(byStatus)}`).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.at > restartedAt + 1_000 && o.method === 'POST' && o.status === 201).length).toBeGreaterThanOrEqual(10);

    // Nothing half-written: every article of this run has its tag and is counted in its shards.
    const { rows } = await direct.query<{ articles: number; untagged: number; counted: number }>(`
      SELECT count(*)::int AS articles,
             count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id))::int AS untagged,
             (SELECT COALESCE(sum(articles_count), 0)::int FROM article_totals) AS counted
      FROM articles a WHERE a.title LIKE 'restart %'`);
    expect(rows[0].untagged).toBe(0);
    expect(rows[0].counted).toBe(rows[0].articles);
    const created = outcomes.filter((o) => o.method === 'POST' && o.status === 201).length;
    // Every 201 is stored; a 503 whose COMMIT reached PostgreSQL before the cut may be stored too (the
    // client cannot tell: that is what Idempotency-Key retries are for), never more than those in flight.
    expect(rows[0].articles).toBeGreaterThanOrEqual(created);
    expect(rows[0].articles - created).toBeLessThanOrEqual(4);
  }, 120_000);
});
