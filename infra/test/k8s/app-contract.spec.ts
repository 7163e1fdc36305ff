import { ConfigError, loadConfig, loadWorkerConfig } from '@conduit/config';
import { createQueueConnection, createQueues } from '@conduit/queue';
import { TestRedisServer, createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../apps/api/test/support/test-app.js';
import { HealthServer } from '../../../apps/worker/src/http/health-server.js';
import { QueueDepthMetrics } from '../../../apps/worker/src/jobs/queue-depth.metrics.js';
import { policy, renderAll } from './rendered.js';

/**
 * The manifests against the running code: the probe paths are answered by the real API and the
 * real worker health server, the metrics the HPA and KEDA scale on are exported under those names,
 * and the rendered configuration passes the app's own validation.
 */
const overlays = renderAll();
const local = overlays.find((o) => o.name === 'local')!;
const production = overlays.find((o) => o.name === 'production')!;

describe('the rendered configuration passes libs/config', () => {
  it('local: the API and the worker accept it as is', () => {
    expect(loadConfig(local.environment).NODE_ENV).toBe('production');
    expect(loadWorkerConfig(local.environment).WORKER_PORT).toBe(3100);
  });

  it('production: only the placeholder JWT_SECRET is refused (it must come from the real Secret)', () => {
    let error: unknown;
    try {
      loadConfig(production.environment);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as Error).message.split('\n').slice(1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ {2}JWT_SECRET: /);
    expect(loadConfig({ ...production.environment, JWT_SECRET: 'Zq8v1mR4kX7tB2nW9cL5hJ3pF6sD0gYe' }).PORT).toBe(3000);
  });
});

describe('the API answers the probes and exports the HPA metric', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({});
  });
  afterAll(() => app?.close());

  it('answers every probe path of the api Deployment with 200', async () => {
    const c = local.container('Deployment', 'api');
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect((await fetch(`${app.url}${probe!.httpGet!.path}`)).status, probe!.httpGet!.path).toBe(200);
  });

  it('exports the per-pod metric the HPA and prometheus-adapter name', async () => {
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^# TYPE ${policy.api.perPod.metric} gauge$`, 'm'));
    expect(metrics).not.toMatch(/^# TYPE http_requests_in_flight_not_exported/m);
  });
});

describe('the worker answers the probes and exports the queue depth KEDA scales on', () => {
  const redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
  let db: TestDatabase;
  let pool: pg.Pool;
  let url: string;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    await redis.start();
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const config = loadWorkerConfig({ ...local.environment, DATABASE_URL: db.url, QUEUE_REDIS_URL: redis.url, WORKER_HOST: '127.0.0.1', WORKER_PORT: '0' });
    const connection = createQueueConnection(redis.url, 'producer', 'k8s-contract');
    await new Promise((resolve) => connection.once('ready', resolve));
    const queues = createQueues(connection, config.QUEUE_PREFIX, config);
    // Three jobs nobody processes: the queue depth the worker reports must say 3 waiting.
    const [first] = Object.values(queues);
    for (let i = 0; i < 3; i++) await first.add('welcome-email', { userId: i + 1, email: `u${i}@example.com`, username: `u${i}` });
    const metrics = new QueueDepthMetrics(queues, pool, config, connection);
    const server = new HealthServer(config, pool, connection);
    url = `http://127.0.0.1:${await server.listen()}`;
    close = async () => {
      await server.close();
      metrics.onModuleDestroy();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      connection.disconnect();
    };
  });
  afterAll(async () => {
    await close();
    await pool?.end();
    await db?.drop();
    await redis.stop();
  });

  it('answers every probe path of the worker Deployment with 200', async () => {
    const c = local.container('Deployment', 'worker');
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect((await fetch(`${url}${probe!.httpGet!.path}`)).status, probe!.httpGet!.path).toBe(200);
  });

  it('exports queue_jobs{state="waiting"}, the series the ScaledObject query sums', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const { metric, state } = policy.worker.queueDepth;
    expect(policy.worker.queueDepth.query).toContain(`${metric}{state="${state}"}`);
    const waiting = [...metrics.matchAll(new RegExp(`^${metric}\\{queue="([^"]+)",state="${state}"\\} (\\d+)$`, 'gm'))].map((m) => Number(m[2]));
    expect(waiting.reduce((a, b) => a + b, 0)).toBe(3);
  });
});
