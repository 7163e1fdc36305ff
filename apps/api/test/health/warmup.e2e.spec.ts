import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@conduit/config';
import { TEST_REDIS_URL, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/bootstrap/create-app.js';
import { requestFrom } from '../support/request-from.js';

const TABLES = ['users', 'articles', 'article_tags', 'tags', 'comments', 'favorites', 'follows', 'job_outbox'];

interface WarmApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  url?: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The API built and initialised but not listening yet (the warm-up starts when it listens). */
async function buildApp(env: Record<string, string>): Promise<WarmApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    DB_POOL_MAX: '5',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
    LOAD_SHED_MIN_CONCURRENCY: '1000',
    // Generous: this box is shared, and how long the warm-up takes is not under test here (the bound is, below).
    WARMUP_TIMEOUT_MS: '60000',
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  const w: WarmApp = {
    app,
    db,
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      w.url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      return w.url;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
  return w;
}

const inject = (w: WarmApp, method: 'GET' | 'POST', url: string, payload?: unknown, token?: string) =>
  w.app.inject({ method, url, payload: payload as never, remoteAddress: '127.0.0.9', headers: token ? { authorization: `Token ${token}` } : {} });

/** Polls /health/ready until the warm-up reports done (bounded). */
async function readyAfterWarmup(url: string) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${url}/health/ready`);
    const body = (await res.json()) as any;
    if (body.details.warmup.warmup === 'done') return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('warm-up never finished');
}

async function rowCounts(dbUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    return counts;
  } finally {
    await client.end();
  }
}

describe('warm before ready (e2e, real PostgreSQL and Redis)', () => {
  describe('with every dependency up', () => {
    let w: WarmApp;
    let before: Record<string, number>;
    beforeAll(async () => {
      w = await buildApp({ WARMUP_REQUESTS: '120', DB_POOL_MIN: '3', RATE_LIMIT_MAX: '8' });
      const reg = await inject(w, 'POST', '/api/users', { user: { username: 'warm_author', email: 'warm@example.test', password: 'correct-horse-battery' } });
      const token = reg.json().user.token as string;
      for (const n of [1, 2, 3]) {
        const res = await inject(w, 'POST', '/api/articles', { article: { title: `Warm ${n}`, description: 'd', body: 'b', tagList: ['warm', `t${n}`] } }, token);
        expect(res.statusCode).toBe(201);
      }
      before = await rowCounts(w.db.url);
    });
    afterAll(() => w?.close());

    it('is not ready before the warm-up ran; liveness is unaffected', async () => {
      const ready = await w.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().details.warmup).toMatchObject({ status: 'down', message: 'warming up', warmup: 'pending' });
      expect((await w.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    });

    it('once listening, warms up and then reports ready with what it did', async () => {
      const url = await w.listen();
      const { status, body } = await readyAfterWarmup(url);
      expect(status).toBe(200);
      const warmup = body.details.warmup;
      expect(warmup).toMatchObject({ status: 'up', warmup: 'done', timedOut: false, requests: { sent: 120, ok: 120, failed: 0 } });
      for (const step of ['pool', 'redis', 'statements', 'requests']) expect(warmup.steps[step]?.ok, `${step}: ${warmup.steps[step]?.detail}`).toBe(true);
      expect(body.details.database.pool.total).toBeGreaterThanOrEqual(3);
    });

    it('wrote nothing', async () => {
      expect(await rowCounts(w.db.url)).toEqual(before);
    });

    it('counted in no request metric', async () => {
      const metrics = await (await fetch(`${w.url}/metrics`)).text();
      // The warm-up sent these routes; nobody else did (the setup only registered and created articles).
      expect(metrics).not.toMatch(/http_requests_total\{[^}]*route="\/api\/tags"/);
      expect(metrics).not.toMatch(/http_requests_total\{[^}]*route="\/api\/articles\/feed"/);
      expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/api\/articles"/); // the setup's creations: the counter works
    });

    it('used none of the rate limit of the address it came from (127.0.0.1)', async () => {
      const statuses = [];
      for (let i = 0; i < 9; i++) statuses.push((await requestFrom('127.0.0.1', w.url!, 'GET', '/api/tags')).status);
      expect(statuses).toEqual([...Array(8).fill(200), 429]);
    });

    it('a client cannot mark its own requests as warm-up', async () => {
      const res = await requestFrom('127.0.0.1', w.url!, 'GET', '/api/tags', { headers: { 'x-conduit-warmup': 'guess' } });
      expect(res.status).toBe(429);
    });
  });

  describe('with Redis unreachable (an optional dependency)', () => {
    let w: WarmApp;
    beforeAll(async () => {
      w = await buildApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, WARMUP_REQUESTS: '40', HEALTH_CHECK_TIMEOUT_MS: '200' });
    });
    afterAll(() => w?.close());

    it('finishes, reports the failed step, and the instance is ready (cache degraded)', async () => {
      const { status, body } = await readyAfterWarmup(await w.listen());
      // An empty database: no reader to sign in as, so only the anonymous part of the 40 is sent.
      expect(body.details.warmup).toMatchObject({ status: 'up', warmup: 'done', timedOut: false, requests: { failed: 0 } });
      expect(body.details.warmup.requests.sent).toBeGreaterThan(0);
      expect(body.details.warmup.steps.redis.ok).toBe(false);
      expect(body.details.warmup.steps.statements.ok).toBe(true);
      expect(status).toBe(200);
      expect(body.details.redis.status).toBe('degraded');
    });
  });

  describe('with more work than the bound allows', () => {
    let w: WarmApp;
    beforeAll(async () => {
      w = await buildApp({ WARMUP_TIMEOUT_MS: '100', WARMUP_REQUESTS: '100000' });
    });
    afterAll(() => w?.close());

    it('stops at the bound and reports ready anyway', async () => {
      const { status, body } = await readyAfterWarmup(await w.listen());
      expect(status).toBe(200);
      expect(body.details.warmup).toMatchObject({ warmup: 'done', timedOut: true, boundMs: 100 });
      expect(body.details.warmup.requests.sent).toBeLessThan(100000);
    });
  });
});
