import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';

/** A stand-in worker: its /metrics shows queue depths, /health/ready answers 200. */
function fakeWorker(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') res.end('# TYPE queue_jobs gauge\nqueue_jobs{queue="email",state="waiting"} 3\nqueue_jobs{queue="email",state="failed"} 1\n');
    else res.end('{"status":"ok"}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** An instance that accepts connections and never answers (frozen). */
function hungInstance(sockets: Socket[]): Promise<TcpServer> {
  const server = createTcpServer((socket) => sockets.push(socket));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const port = (server: Server | TcpServer) => (server.address() as { port: number }).port;

describe('GET /api/ops/overview (operators only)', () => {
  const sockets: Socket[] = [];
  let worker: Server;
  let hung: TcpServer;
  const targets: Record<string, string> = {};
  beforeAll(async () => {
    [worker, hung] = await Promise.all([fakeWorker(), hungInstance(sockets)]);
    targets.OPS_METRICS_TARGETS = `api-9=http://127.0.0.1:${port(hung)},worker=http://127.0.0.1:${port(worker)}`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    worker.close();
    hung.close();
  });

  describe('this instance alone (no targets configured)', () => {
    const app = useTestApp({ sql: true });

    it('401 without a token, 403 for a user without the role, 200 once granted, 403 again once revoked', async () => {
      expect((await app.api.get('/api/ops/overview')).status).toBe(401);
      const user = await app.api.actingAsNewUser('ops');
      const refused = await user.client.get('/api/ops/overview');
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ errors: { ops: ['operators only'] } });
      await app.db.query('UPDATE users SET is_operator = true WHERE username = $1', [user.username]);
      const first = await user.client.get('/api/ops/overview');
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(first.body.instances).toEqual([expect.objectContaining({ name: app.t.config.INSTANCE_ID, kind: 'api', state: 'ready' })]);
      for (let i = 0; i < 5; i++) expect((await app.api.get('/api/tags')).status).toBe(200);
      const second = (await user.client.get('/api/ops/overview')).body.instances[0];
      expect(second.requestsPerSecond).toBeGreaterThan(0);
      expect(second.p95Ms).toBeGreaterThan(0);
      expect(second.cacheHitRatio).toBeGreaterThan(0);
      await app.db.query('UPDATE users SET is_operator = false WHERE username = $1', [user.username]);
      expect((await user.client.get('/api/ops/overview')).status).toBe(403);
    });
  });

  describe('configured targets: a worker and a frozen instance', () => {
    const app = useTestApp({
      sql: true,
      env: {
        get OPS_METRICS_TARGETS() {
          return targets.OPS_METRICS_TARGETS;
        },
        OPS_SCRAPE_TIMEOUT_MS: '300',
      } as Record<string, string>,
    });

    it('shows the worker with its queue depths and the frozen instance as down, within the timeout', async () => {
      const user = await app.api.actingAsNewUser('ops');
      await app.db.query('UPDATE users SET is_operator = true WHERE username = $1', [user.username]);
      const res = await user.client.get('/api/ops/overview');
      expect(res.status).toBe(200);
      expect(res.body.instances).toEqual([
        expect.objectContaining({ name: 'api-9', state: 'down', detail: 'no answer in time', requestsPerSecond: null }),
        expect.objectContaining({ name: 'worker', kind: 'worker', state: 'ready', queues: { email: { waiting: 3, failed: 1 } } }),
      ]);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
    });
  });
});
