import { ApiClient, TEST_REDIS_URL, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startBuiltServer, type BuiltServer } from '../support/built-server.js';

/**
 * Graceful shutdown of the real built server (apps/api/src/bootstrap/graceful-shutdown.ts):
 * SIGTERM -> readiness 503 at once, still serving during the drain delay -> stops accepting ->
 * in-flight requests finish -> exit 0 (the hard deadline would exit 1).
 * Requests are held in flight deterministically: the test locks the users table, so every
 * GET /api/user blocks inside PostgreSQL until the test releases the lock.
 */
// The child process is told its port up front: one the OS reported free (set in beforeAll).
let PORT = 0;
let BASE = '';
const IN_FLIGHT = 6;
const SHUTDOWN_TIMEOUT_MS = 8_000;

/** GET on a fresh connection (agent: false); resolves with the status or a "failed: ..." string. */
function getOnNewConnection(path: string, token: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, agent: false, headers: { authorization: `Token ${token}` }, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 'failed: no status'));
      res.once('error', (e) => resolve(`failed: ${e.message}`));
    });
    req.once('timeout', () => req.destroy(new Error('client timeout')));
    req.once('error', (e) => resolve(`failed: ${e.message}`));
    req.end();
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function serverEnv(db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    // debug: Fastify logs each request as received ("incoming request"), which the test waits for.
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    SHUTDOWN_DRAIN_DELAY_MS: '1500',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    DB_POOL_MAX: String(IN_FLIGHT + 4),
    DB_POOL_ACQUIRE_TIMEOUT_MS: '10000',
    DB_STATEMENT_TIMEOUT_MS: '30000',
    // Startup jank on a shared CI box must not shed the requests under test (see test-app.ts).
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
    RATE_LIMIT_REGISTER_MAX: '10000',
    ...extra,
  };
}

describe('graceful shutdown of the built server (child process)', () => {
  let db: TestDatabase;
  let server: BuiltServer | undefined;
  let admin: pg.Client | undefined;

  beforeAll(async () => {
    ensureBuilt();
    PORT = await freePort();
    BASE = `http://127.0.0.1:${PORT}`;
    db = await createTestDatabase();
  }, 180_000);
  afterAll(async () => {
    server?.kill();
    await admin?.end().catch(() => {});
    await db?.drop();
  });

  it('on SIGTERM: ready 503 at once, in-flight requests all succeed, exit 0 before the deadline', async () => {
    expect(await portAccepts(PORT), `port ${PORT} was taken meanwhile`).toBe(false);
    server = startBuiltServer(serverEnv(db));
    await server.waitForLog(/"msg":"api listening"/, 30_000);
    const api = new ApiClient(BASE);
    // Ready once its warm-up has run (apps/api/src/warmup), a moment after it listens.
    await until(async () => (await api.get('/health/ready')).status === 200, 'ready after the warm-up');
    const { token } = await api.actingAsNewUser('shutdown');

    // Hold requests inside PostgreSQL (GET /api/user reads users): in flight until the lock is released.
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    // One dedicated connection per request (no client-side queueing), each logged by the server
    // as received before the signal is sent: these are truly in flight.
    const inFlight = Array.from({ length: IN_FLIGHT }, () => getOnNewConnection('/api/user', token));
    const results: Array<number | string> = [];
    for (const p of inFlight) void p.then((r) => results.push(r));
    const received = () => server!.logs.filter((l) => l.includes('"msg":"incoming request"') && l.includes('"url":"/api/user"')).length;
    await until(() => received() === IN_FLIGHT, `${IN_FLIGHT} requests received by the server`);
    expect(results, 'requests finished before the lock was released').toEqual([]);

    server.child.kill('SIGTERM');
    await server.waitForLog(/shutting down: draining/);
    // Readiness flips at once, while the instance keeps serving during the drain delay.
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details.shutdown.status).toBe('down');
    const live = await api.get('/health/live');
    expect(live.status).toBe(200);
    // ... and asks keep-alive clients to take their next request elsewhere.
    expect(live.headers.get('connection')).toBe('close');

    // After the drain delay it stops accepting connections, with the held requests still open.
    await until(async () => !(await portAccepts(PORT)), 'the listener to close');
    expect(results, 'requests finished before the lock was released').toEqual([]);

    await admin.query('COMMIT');
    expect(await Promise.all(inFlight)).toEqual(Array(IN_FLIGHT).fill(200));
    const exit = await Promise.race([server.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), SHUTDOWN_TIMEOUT_MS + 5_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.includes('shutdown complete'))).toBe(true);
    expect(server.logs.some((l) => l.includes('shutdown deadline passed'))).toBe(false);
  }, 90_000);

  it('refuses to start with a bad environment: exit 1 and one message naming the variable', async () => {
    const bad = startBuiltServer(serverEnv(db, { DB_POOL_MAX: 'lots' }));
    const exit = await bad.exited;
    expect(exit.code).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/^Invalid configuration:\n {2}DB_POOL_MAX: /);
    expect(bad.stderr.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);
});
