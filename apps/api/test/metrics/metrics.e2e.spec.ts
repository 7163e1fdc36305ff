import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_POOL } from '../../src/database/database.module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The metrics the dashboard and alert rules rely on (infra/grafana, infra/prometheus). */
describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ INSTANCE_ID: 'api-metrics-test' });
  });
  afterAll(() => app?.close());

  const sample = (text: string, pattern: RegExp) =>
    Number(
      text
        .split('\n')
        .find((line) => pattern.test(line))
        ?.split(' ')
        .pop(),
    );

  it('names the answering instance in x-instance-id', async () => {
    const res = await fetch(`${app.url}/health/live`);
    expect(res.headers.get('x-instance-id')).toBe('api-metrics-test');
  });

  it('exports database query durations, pool usage and dependency reachability', async () => {
    // A failed login runs a SELECT on users through Prisma (same pg.Pool).
    const login = await fetch(`${app.url}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { email: 'nobody@example.com', password: 'wrong-password' } }),
    });
    expect(login.status).toBeGreaterThanOrEqual(400);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(sample(text, /^db_query_duration_seconds_count\{operation="select",outcome="ok"\}/)).toBeGreaterThan(0);
    expect(sample(text, /^db_pool_connections\{state="total"\}/)).toBeGreaterThan(0);
    expect(sample(text, /^db_pool_max_connections /)).toBe(app.config.DB_POOL_MAX);
    expect(sample(text, /^conduit_dependency_up\{dependency="postgres"\}/)).toBe(1);
    expect(sample(text, /^conduit_dependency_up\{dependency="redis_cache"\}/)).toBe(1);
    expect(sample(text, /^http_requests_total\{method="POST",route="\/api\/users\/login"/)).toBeGreaterThan(0);
  });

  it('times failed queries under outcome="error", in both the promise and the callback form', async () => {
    const metric = /^db_query_duration_seconds_count\{operation="select",outcome="error"\}/;
    const before = sample(await (await fetch(`${app.url}/metrics`)).text(), metric) || 0;
    const pool = app.app.get<pg.Pool>(PG_POOL);
    await expect(pool.query('SELECT no_such_column FROM users')).rejects.toThrow(/no_such_column/);
    const client = await pool.connect();
    try {
      await expect(client.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      // pool.query() with a callback reaches client.query(text, values, callback).
      await new Promise<void>((resolve) => pool.query('SELECT 1/0', [], (err) => resolve(void expect(err).toBeTruthy())));
    } finally {
      client.release();
    }
    const after = sample(await (await fetch(`${app.url}/metrics`)).text(), metric);
    expect(after - before).toBe(3);
  });

  it('counts a union of parenthesized SELECTs under operation="select", not "other"', async () => {
    const select = /^db_query_duration_seconds_count\{operation="select",outcome="ok"\}/;
    const other = /^db_query_duration_seconds_count\{operation="other",outcome="ok"\}/;
    const before = await (await fetch(`${app.url}/metrics`)).text();
    const pool = app.app.get<pg.Pool>(PG_POOL);
    await pool.query('(SELECT 1 AS n LIMIT 1) UNION ALL (SELECT 2 AS n LIMIT 1)');
    const after = await (await fetch(`${app.url}/metrics`)).text();
    // At least this one (the instance's own background reads may add more); and nothing under "other".
    expect(sample(after, select) - (sample(before, select) || 0)).toBeGreaterThanOrEqual(1);
    expect(sample(after, other) || 0).toBe(sample(before, other) || 0);
  });

  it('reports an unreachable Redis as 0 without failing the scrape', async () => {
    const broken = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', HEALTH_CHECK_TIMEOUT_MS: '200' });
    try {
      const res = await fetch(`${broken.url}/metrics`);
      expect(res.status).toBe(200);
      expect(sample(await res.text(), /^conduit_dependency_up\{dependency="redis_cache"\}/)).toBe(0);
    } finally {
      await broken.close();
    }
  });
});
