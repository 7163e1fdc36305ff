import { freePort } from '@conduit/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../support/tools.js';

/**
 * The balancer's admission layer (infra/haproxy/haproxy.cfg, backend api), on the real HAProxy and
 * the real config, in front of two stand-in instances that hold every request until the test lets
 * them go. Counts only, no timings: what is refused, what waits, and in what shape.
 */
const CONFIG = fileURLToPath(new URL('../../haproxy/haproxy.cfg', import.meta.url));
const IN_FLIGHT_PER_INSTANCE = 32;

interface Answer {
  status: number;
  retryAfter?: string;
  body: string;
}

/** An instance that answers its health check at once and holds everything else until released. */
class HoldingInstance {
  readonly held: ServerResponse[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url?.startsWith('/health/')) return res.end('ok');
      this.held.push(res);
    });
    this.server.keepAliveTimeout = 20_000;
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Answers the `count` oldest held requests (all by default), freeing their slots. */
  release(count = this.held.length): void {
    for (const res of this.held.splice(0, count)) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** One request on a connection of its own (nothing waits behind another request's socket). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** Resolves with the answers that have arrived so far, without waiting for the rest. */
function settledSoFar(pending: Array<Promise<Answer>>): Promise<Array<Answer | undefined>> {
  const marked = pending.map((p) => Promise.race([p, sleep(0).then(() => undefined)]));
  return Promise.all(marked);
}

const haproxyThere = hasCommand('haproxy');

describe.skipIf(!haproxyThere)('balancer admission (real HAProxy, project config)', () => {
  const instances = [new HoldingInstance(), new HoldingInstance()];
  let haproxy: ChildProcess;
  let lbPort = 0;
  let statsPort = 0;
  const held = () => instances.reduce((n, i) => n + i.held.length, 0);
  const releaseAll = () => instances.forEach((i) => i.release());
  async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  /** Fills every instance's in-flight bound, so whatever comes next waits in HAProxy's queue. */
  async function fillSlots(): Promise<Array<Promise<Answer>>> {
    const fillers = Array.from({ length: 2 * IN_FLIGHT_PER_INSTANCE }, () => send(lbPort, 'GET', '/api/articles'));
    await waitUntil('both instances to hold 32 requests each', () => held() === 2 * IN_FLIGHT_PER_INSTANCE);
    return fillers;
  }

  beforeAll(async () => {
    await Promise.all(instances.map((i) => i.start()));
    [lbPort, statsPort] = [await freePort(), await freePort()];
    haproxy = spawn('haproxy', ['-W', '-db', '-f', CONFIG], {
      env: { ...process.env, LB_BIND: `127.0.0.1:${lbPort}`, LB_STATS_BIND: `127.0.0.1:${statsPort}`, API_1_ADDR: `127.0.0.1:${instances[0].port}`, API_2_ADDR: `127.0.0.1:${instances[1].port}` },
      stdio: 'ignore',
    });
    await waitUntil('HAProxy to report both instances UP', async () => {
      const csv = await fetch(`http://127.0.0.1:${statsPort}/stats;csv;norefresh`)
        .then((r) => r.text())
        .catch(() => '');
      return csv.split('\n').filter((l) => /^api,api-\d,/.test(l) && l.includes(',UP,')).length === 2;
    });
  });

  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    await Promise.all(instances.map((i) => i.stop()));
  });

  it('runs one thread by default (LB_THREADS unset)', async () => {
    const metrics = await fetch(`http://127.0.0.1:${statsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^haproxy_process_nbthread 1$/m);
  });

  it('lets a short pile-up at normal load wait instead of refusing it: 60 queued for a moment, 0 refused', async () => {
    const fillers = await fillSlots();
    // A pause (GC, a checkpoint): 60 requests pile up behind busy instances, then the pause ends.
    const queued = Array.from({ length: 60 }, () => send(lbPort, 'GET', '/api/tags'));
    await sleep(300);
    releaseAll();
    // What waited is let through as the slots free up.
    await waitUntil('the queued requests to be served', async () => {
      releaseAll();
      return (await settledSoFar(queued)).every(Boolean);
    });
    const answers = await Promise.all([...fillers, ...queued]);
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
  });

  it('refuses anonymous reads at once under a sustained excess, and signed-in reads past 32 waiting, but never refuses writes', async () => {
    await sleep(3_000); // the previous test's arrivals leave the 2 s window
    const fillers = await fillSlots();
    // A sustained excess: arrivals keep finding 8+ waiting. Past 600 of them in 2 s the
    // balancer refuses anonymous reads while 8 wait. (Everything here must happen well within
    // `timeout queue`, 1 s, after which HAProxy gives up on what waits.)
    const refused: Answer[] = [];
    const excess: Array<Promise<Answer>> = [];
    // In batches of 50 per turn of the event loop: 800 connects at once overflow the listen backlog.
    for (let i = 0; i < 800; i++) {
      excess.push(
        send(lbPort, 'GET', `/api/articles?offset=${i}`).then((a) => {
          if (a.status === 503) refused.push(a);
          return a;
        }),
      );
      if (i % 50 === 49) await sleep(5);
    }
    await waitUntil('the first refusal', () => refused.length > 0);
    // Refused by the balancer itself (nothing was released yet), in the API's error shape.
    expect(held()).toBe(2 * IN_FLIGHT_PER_INSTANCE);
    expect(JSON.parse(refused[0].body)).toEqual({ errors: { server: ['overloaded, please retry'] } });
    expect(refused[0].retryAfter).toBe('1');
    // With the signal on and ~600 waiting: an anonymous read and a signed-in read (past 32 waiting)
    // are refused at once, while writes are not refused: they wait in the queue.
    const writes = Array.from({ length: 5 }, () => send(lbPort, 'POST', '/api/articles/some-slug/favorite', { authorization: 'Token t', 'content-type': 'application/json' }));
    expect((await send(lbPort, 'GET', '/api/tags')).status).toBe(503);
    expect((await send(lbPort, 'GET', '/api/articles/feed', { authorization: 'Token t' })).status).toBe(503);
    expect((await settledSoFar(writes)).filter(Boolean)).toEqual([]);
    releaseAll();
    // What waited is served or, past `timeout queue`, refused by HAProxy; nothing hangs or resets.
    await waitUntil('everything to be answered', async () => {
      releaseAll();
      return (await settledSoFar([...fillers, ...excess, ...writes])).every(Boolean);
    });
    expect((await Promise.all(writes)).every((a) => a.status === 200 || a.status === 503)).toBe(true);
  });
});
