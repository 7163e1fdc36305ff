import { ApiClient } from '@conduit/testing';
import { poolerBudget } from '@conduit/stack';
import { TestRedisServer } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_TIER, requireDbTierTools } from './support/db-tier-gate.js';
import { describeFailures, failed, startTraffic, type Outcome } from '../support/traffic.js';
import { startApiFleet } from './support/api-fleet.js';
import { startPooledCluster, type PooledCluster } from './support/pooled-cluster.js';

const INSTANCES = 10;
const POOL_PER_INSTANCE = 10;
const MAX_CONNECTIONS = 50;
// PostgreSQL keeps 3 of max_connections for superusers; the budget's reserve covers them, psql and this test.
const BUDGET = poolerBudget(MAX_CONNECTIONS, 15, INSTANCES * POOL_PER_INSTANCE);

/**
 * The connection problem PgBouncer solves, shown both ways on a PostgreSQL of the test's own with
 * max_connections = 50: 10 API instances whose pools open 10 connections each (warm-up opens them
 * all: DB_POOL_MIN = DB_POOL_MAX) want 100. Through PgBouncer they share its 35 server connections
 * and a bounded load passes without an error; connected directly, the same instances and load get
 * "too many clients" and answer 503s. Counts only, no timings.
 */
describe.skipIf(!DB_TIER)(`${INSTANCES} API instances x ${POOL_PER_INSTANCE} connections, max_connections ${MAX_CONNECTIONS}`, () => {
  let db: PooledCluster;
  let redis: TestRedisServer;
  let token: string;
  const fleetEnv = (databaseUrl: string, pooled: boolean) => ({
    DATABASE_URL: databaseUrl,
    DB_TRANSACTION_POOLER: String(pooled),
    DB_POOL_MAX: String(POOL_PER_INSTANCE),
    DB_POOL_MIN: String(POOL_PER_INSTANCE),
    DB_STATEMENT_TIMEOUT_MS: '5000',
    DB_POOL_ACQUIRE_TIMEOUT_MS: '5000',
    REDIS_URL: redis.url,
    QUEUE_REDIS_URL: redis.url,
    // Every request reaches PostgreSQL; no request pass in the warm-up (ten instances on two cores).
    CACHE_ENABLED: 'false',
    WARMUP_REQUESTS: '0',
    RATE_LIMIT_ENABLED: 'false',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'db-tier-test-secret-0123456789abcdef',
  });

  /** 10 x 30 requests, 4 in flight per instance: lists, tags, the signed-in feed and a write in ten. */
  const load = async (urls: string[]): Promise<Outcome[]> => {
    const perInstance = await Promise.all(
      urls.map(
        (url) =>
          startTraffic({
            concurrency: 4,
            maxRequests: 30,
            request: (i) => {
              const auth = { authorization: `Token ${token}`, 'content-type': 'application/json' };
              if (i % 10 === 9)
                return {
                  method: 'POST',
                  url: `${url}/api/articles`,
                  headers: auth,
                  body: JSON.stringify({ article: { title: `pooled ${Math.random()}`, description: 'd', body: 'b', tagList: ['pgbouncer'] } }),
                };
              if (i % 3 === 0) return { method: 'GET', url: `${url}/api/articles/feed?limit=5`, headers: auth };
              return { method: 'GET', url: i % 3 === 1 ? `${url}/api/articles?limit=10` : `${url}/api/tags` };
            },
          }).done,
      ),
    );
    return perInstance.flat();
  };

  /** The most client backends PostgreSQL had on `conduit` while `work` ran (sampled every 50 ms). */
  const peakBackends = async <T>(work: Promise<T>): Promise<{ result: T; peak: number }> => {
    const monitor = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${db.cluster.port}/postgres`, query_timeout: 5_000 });
    await monitor.connect();
    let peak = 0;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        const { rows } = await monitor.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'conduit' AND backend_type = 'client backend'`);
        peak = Math.max(peak, rows[0].n);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      return { result: await work, peak };
    } finally {
      done = true;
      await sampling.catch(() => {});
      await monitor.end();
    }
  };

  beforeAll(async () => {
    requireDbTierTools();
    db = await startPooledCluster([`max_connections=${MAX_CONNECTIONS}`], { poolSize: BUDGET.poolSize, maxClientConn: BUDGET.maxClientConn, queryWaitTimeoutMs: 5_000, statementTimeoutMs: 5_000 });
    redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
    await redis.start();
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    await db?.stop();
  }, 60_000);

  it(`through PgBouncer (default_pool_size ${BUDGET.poolSize}): every instance ready, no failed request, PostgreSQL never above the pool`, async () => {
    const fleet = await startApiFleet(INSTANCES, fleetEnv(db.pgbouncer.url, true));
    try {
      expect(fleet.ready, fleet.notReadyLogs()).toBe(INSTANCES);
      ({ token } = await new ApiClient(fleet.urls[0]).actingAsNewUser('pooled'));
      const { result: outcomes, peak } = await peakBackends(load(fleet.urls));
      expect(outcomes).toHaveLength(INSTANCES * 30);
      expect(outcomes.filter(failed), describeFailures(outcomes)).toHaveLength(0);
      expect(outcomes.filter((o) => o.method === 'POST' && o.status === 201)).toHaveLength(INSTANCES * 3);
      expect(peak).toBeLessThanOrEqual(BUDGET.poolSize);
    } finally {
      await fleet.stop();
    }
  }, 240_000);

  it('directly against PostgreSQL: the same instances and load run out of connections', async () => {
    const fleet = await startApiFleet(INSTANCES, fleetEnv(db.directUrl, false), 20_000);
    try {
      const outcomes = await load(fleet.urls);
      const failures = outcomes.filter(failed);
      // 100 wanted, 47 to give. An instance that could not open its pool answers 503 ("too many
      // clients" is a database-unavailable error); one that could not even start answers nothing.
      expect(failures.length).toBeGreaterThan(0);
      expect(
        failures.every((o) => o.status === 503 || o.status === 0),
        describeFailures(outcomes),
      ).toBe(true);
      expect(fleet.logs()).toMatch(/too many clients/);
    } finally {
      await fleet.stop();
    }
  }, 240_000);
});
