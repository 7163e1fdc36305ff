import { queueRedisProblems } from '@conduit/queue';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@conduit/testing';
import { QueueFixture } from './support/queue-fixture.js';
import { QueueRedisServer } from './support/queue-redis-server.js';
import { waitFor } from './support/worker-process.js';

describe('worker startup checks (real Redis, real worker process)', () => {
  // A Redis configured like a cache: evicting, no append-only file.
  const f = new QueueFixture({ maxmemoryPolicy: 'allkeys-lru', appendonly: false });

  beforeAll(async () => {
    await f.start();
  }, 60_000);
  afterAll(() => f.close());

  it('refuses to start on an evicting Redis without AOF, naming both problems; starts once fixed', async () => {
    const refused = await f.startWorker({}, { waitReady: false });
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toContain('Refusing to start: the queue Redis');
    expect(refused.stderr()).toContain('maxmemory-policy is "allkeys-lru" but must be "noeviction"');
    expect(refused.stderr()).toContain('appendonly is off');

    const redis = f.redis.client();
    try {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.config('SET', 'appendonly', 'yes');
      const worker = await f.startWorker();
      expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
      await waitFor(async () => (await fetch(`${worker.url}/health/ready`)).status === 200, 'readiness');

      // Later the queue Redis comes back (reconnect) with the wrong settings: the worker stops.
      await redis.config('SET', 'maxmemory-policy', 'volatile-lru');
      const clients = String(await redis.call('CLIENT', 'LIST'));
      const producer = clients.split('\n').find((line) => / name=worker-\d+-producer /.test(line));
      expect(producer).toBeTruthy();
      await redis.call('CLIENT', 'KILL', 'ID', producer!.match(/id=(\d+)/)![1]);
      expect((await worker.exited).code).toBe(1);
      expect(worker.stderr()).toContain('maxmemory-policy is "volatile-lru" but must be "noeviction"');
    } finally {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru').catch(() => {});
      redis.disconnect();
    }
  });

  it('exits with a clear message when the queue Redis does not answer', async () => {
    const nobodyListens = await freePort();
    const worker = await f.startWorker({ QUEUE_REDIS_URL: `redis://127.0.0.1:${nobodyListens}`, WORKER_STARTUP_TIMEOUT_MS: '1000' }, { waitReady: false });
    expect((await worker.exited).code).toBe(1);
    expect(worker.stderr()).toContain('the queue Redis (QUEUE_REDIS_URL) did not answer within 1000 ms');
  });

  it('exits on invalid configuration, one line per bad variable', async () => {
    const worker = await f.startWorker({ WORKER_EMAIL_CONCURRENCY: '0', SMTP_PORT: 'x' }, { waitReady: false });
    expect((await worker.exited).code).toBe(1);
    expect(worker.stderr()).toMatch(/WORKER_EMAIL_CONCURRENCY: .*>=1/);
    expect(worker.stderr()).toMatch(/SMTP_PORT: /);
  });

  it('infra/redis/queue.conf starts a Redis the worker accepts (noeviction + appendonly)', async () => {
    const server = new QueueRedisServer({ configFile: fileURLToPath(new URL('../../../infra/redis/queue.conf', import.meta.url)) });
    await server.start();
    const redis = server.client();
    try {
      const info = await waitFor(() => redis.info().catch(() => null), 'redis-server with queue.conf');
      expect(queueRedisProblems(info)).toEqual([]);
      expect(await redis.config('GET', 'timeout')).toEqual(['timeout', '0']);
    } finally {
      redis.disconnect();
      await server.destroy();
    }
  });
});
