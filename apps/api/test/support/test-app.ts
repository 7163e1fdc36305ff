import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@conduit/config';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { ApiClient, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/bootstrap/create-app.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  /** http://127.0.0.1:<port> */
  url: string;
  /** JSON log lines written by the app (for "no secrets in logs" assertions). */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the real API in-process on a random port against its own cloned database and its
 * own Redis key prefix. `env` overrides configuration variables.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    DB_POOL_MAX: '5',
    // The warm-up (a few hundred in-process requests) is tested on its own (apps/api/test/health/warmup.e2e.spec.ts).
    WARMUP_ENABLED: 'false',
    // The app shares its event loop with the test runner (and a loaded CI box): only tests that
    // exercise event-loop shedding set a real threshold (apps/api/test/traffic/load-shedding.e2e.spec.ts).
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
    // Likewise the adaptive concurrency limit: on a busy box latency passes LOAD_SHED_MAX_LATENCY_MS
    // and the limit would fall to its floor, shedding tests that send 200 requests at once (cache
    // stampede). The floor is the ceiling here; load-shedding.e2e.spec.ts sets small ones.
    LOAD_SHED_MIN_CONCURRENCY: '1000',
    // Rate limits stay on, sized so test files that register/log in many users from 127.0.0.1
    // never hit them; apps/api/test/traffic/rate-limit.e2e.spec.ts sets small ones.
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_LOGIN_MAX: '10000',
    RATE_LIMIT_LOGIN_ACCOUNT_MAX: '10000',
    RATE_LIMIT_REGISTER_MAX: '10000',
    ...env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      if (logs.length > 5_000) logs.splice(0, logs.length - 5_000);
      cb();
    },
  });
  const app = await createApp(config, { logDestination: destination as never });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    db,
    url: `http://127.0.0.1:${address.port}`,
    logs,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export interface TestAppContext {
  t: TestApp;
  /** An anonymous client; `api.actingAsNewUser()` gives a signed-in one. */
  api: ApiClient;
  /** A PostgreSQL client on the file's database (only with `{ sql: true }`). */
  db: pg.Client;
}

/**
 * The usual file setup in one line: one in-process app for the file (beforeAll), closed with its
 * database after it (afterAll). Read the fields inside tests: `app.api`, `app.t`, `app.db`.
 */
export function useTestApp(options: { env?: Record<string, string>; sql?: boolean } = {}): TestAppContext {
  const context = {} as TestAppContext;
  beforeAll(async () => {
    context.t = await startTestApp(options.env);
    context.api = new ApiClient(context.t.url);
    if (options.sql) {
      context.db = new pg.Client({ connectionString: context.t.db.url });
      await context.db.connect();
    }
  });
  afterAll(async () => {
    await context.db?.end();
    await context.t?.close();
  });
  return context;
}
