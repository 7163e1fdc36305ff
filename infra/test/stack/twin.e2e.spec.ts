import { startStack, type Stack } from '@conduit/stack';
import { ApiClient, createTestDatabase, type TestDatabase } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailures, failed, startTraffic, type Outcome } from '../support/traffic.js';

/**
 * The no-Docker twin with 2 API instances behind the real HAProxy config
 * (infra/haproxy/haproxy.cfg), on random ports, against a cloned test database and its own two
 * Redis processes. Tests run in order on one stack: balance, edge limits, Socket.IO
 * stickiness, rolling restart, a killed instance, a crashed instance, clean stop.
 */
const TWIN_TEST_ENV = {
  LOG_LEVEL: 'warn',
  // A shared 2-core CI box can stall the event loop for a moment; shedding on it here would test
  // the machine, not the load balancer (same reasoning as apps/api/test/chat/support/chat-env.ts).
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
  // Every test client is 127.0.0.1: one rate-limit bucket would turn steady test traffic into 429s.
  RATE_LIMIT_ENABLED: 'false',
  DB_POOL_MAX: '4',
  JWT_SECRET: 'twin-test-secret-0123456789abcdef',
};

const succeeded = (outcomes: Outcome[], method?: string) => outcomes.filter((o) => (!method || o.method === method) && !failed(o));

describe('no-Docker twin: 2 API instances behind HAProxy', () => {
  let db: TestDatabase;
  let stack: Stack;
  let token: string;
  let username: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack({
      instances: 2,
      ports: 'auto',
      databaseUrl: db.url,
      migrate: false, // the cloned template is migrated
      worker: false,
      prometheus: false,
      web: false,
      env: TWIN_TEST_ENV,
      log: () => {},
    });
    ({ token, username } = await new ApiClient(stack.urls.lb).actingAsNewUser('twin'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  }, 60_000);

  it('spreads 200 requests over both instances (30-70% each)', async () => {
    // One request at a time: leastconn then sees both instances idle for every request and takes
    // turns. With concurrent requests it favours whichever instance answers faster, which on a busy
    // CI box is a matter of scheduling (as leastconn intends), and the split would test the machine.
    const traffic = startTraffic({ concurrency: 1, maxRequests: 200, request: () => ({ method: 'GET', url: `${stack.urls.lb}/api/tags` }) });
    const outcomes = await traffic.done;
    expect(outcomes.filter(failed), describeFailures(outcomes)).toHaveLength(0);
    const byInstance = { 'api-1': 0, 'api-2': 0 } as Record<string, number>;
    for (const o of outcomes) byInstance[o.instance ?? 'none'] = (byInstance[o.instance ?? 'none'] ?? 0) + 1;
    expect(Object.keys(byInstance).sort()).toEqual(['api-1', 'api-2']);
    expect(byInstance['api-1']).toBeGreaterThanOrEqual(60);
    expect(byInstance['api-1']).toBeLessThanOrEqual(140);
    expect(byInstance['api-1'] + byInstance['api-2']).toBe(200);
  });

  it('keeps /metrics private and refuses oversized bodies at the edge', async () => {
    expect((await fetch(`${stack.urls.lb}/metrics`)).status).toBe(404);
    // Declared 20 MB: HAProxy answers 413 before any instance sees a byte of it.
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(stack.ports.lb, '127.0.0.1', () => socket.write('POST /api/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n'));
      socket.once('data', (chunk) => {
        resolve(chunk.toString().split('\r\n')[0]);
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(status).toMatch(/^HTTP\/1\.1 413/);
    // A client cannot spoof its address: HAProxy replaces X-Forwarded-For, the request still works.
    const res = await fetch(`${stack.urls.lb}/api/tags`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(200);
  });

  it('keeps a Socket.IO long-polling session on one instance with the sticky cookie', async () => {
    // The engine.io handshake through the LB sets HAProxy's cookie naming the chosen instance.
    const handshake = await fetch(`${stack.urls.lb}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('set-cookie')).toMatch(/io_srv=api-[12]/);

    // Polling only: every emit is a POST and every ack arrives on a GET, each a separate HTTP
    // request; without stickiness half of them would reach an instance that doesn't know the
    // session ("Session ID unknown") and the socket would drop.
    const socket: Socket = io(`${stack.urls.lb}/chat`, {
      transports: ['polling'],
      withCredentials: true, // socket.io-client keeps cookies in Node with this flag
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      let disconnected = false;
      socket.on('disconnect', () => (disconnected = true));
      for (let i = 0; i < 8; i++) {
        const ack = await socket.timeout(10_000).emitWithAck('rooms:list');
        expect(ack).toBeTruthy();
      }
      expect(disconnected).toBe(false);
      expect(socket.io.engine.transport.name).toBe('polling');
    } finally {
      socket.disconnect();
    }
  });

  it('upgrades Socket.IO to a WebSocket through the LB', async () => {
    const socket: Socket = io(`${stack.urls.lb}/chat`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 10_000 });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(socket.io.engine.transport.name).toBe('websocket');
      expect(await socket.timeout(10_000).emitWithAck('rooms:list')).toBeTruthy();
    } finally {
      socket.disconnect();
    }
  });

  it('panic mode: with no instance passing its health check, HAProxy still spreads requests over them', async () => {
    // Both servers of backend api out of rotation (as when all are overloaded and unready).
    for (const i of [1, 2]) expect(await stack.lbCommand(`set server api/api-${i} state maint`)).toBe('');
    try {
      const outcomes = await startTraffic({ concurrency: 2, maxRequests: 20, request: () => ({ method: 'GET', url: `${stack.urls.lb}/api/tags` }) }).done;
      expect(outcomes.filter(failed), describeFailures(outcomes)).toHaveLength(0);
      expect(new Set(outcomes.map((o) => o.instance))).toEqual(new Set(['api-1', 'api-2']));
    } finally {
      for (const i of [1, 2]) await stack.lbCommand(`set server api/api-${i} state ready`);
    }
    await stack.waitForLbState(1, 'UP');
    await stack.waitForLbState(2, 'UP');
  });

  it('a rolling restart of both instances, one at a time, loses no GET and no POST', async () => {
    const tag = randomBytes(4).toString('hex');
    const traffic = startTraffic({
      concurrency: 4,
      pauseMs: 25,
      maxRequests: 20_000, // bounded; stopped explicitly once both restarts are done
      request: (i) =>
        i % 2 === 0
          ? { method: 'GET', url: `${stack.urls.lb}/api/articles?limit=5` }
          : {
              method: 'POST',
              url: `${stack.urls.lb}/api/articles`,
              headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
              body: JSON.stringify({ article: { title: `rolling ${tag} ${i}`, description: 'd', body: 'b', tagList: [`r${tag}`] } }),
            },
    });
    const pid1 = stack.instances[0].process.pid;
    await stack.restartInstance(1);
    await stack.restartInstance(2);
    const outcomes = await traffic.stop();

    expect(stack.instances[0].process.pid).not.toBe(pid1);
    expect(outcomes.filter(failed), describeFailures(outcomes)).toHaveLength(0);
    const posts = outcomes.filter((o) => o.method === 'POST');
    expect(posts.length).toBeGreaterThan(20);
    expect(posts.every((o) => o.status === 201)).toBe(true);
    expect(succeeded(outcomes, 'GET').length).toBeGreaterThan(20);
    // Every accepted POST is stored exactly once.
    const stored = await new ApiClient(stack.urls.lb).get(`/api/articles?tag=r${tag}&author=${username}&limit=1`);
    expect(stored.body.articlesCount).toBe(posts.length);
  }, 120_000);

  it('killing an instance mid-traffic fails no GET once the health check notices', async () => {
    // The client replays a GET whose keep-alive connection HAProxy closed with no response, as
    // browsers, curl and k6 do: HAProxy does that on purpose when the reused server connection the
    // request went out on dies before answering (a retry is then safe). Only requests in flight at
    // the kill can meet it.
    const traffic = startTraffic({
      concurrency: 4,
      pauseMs: 10,
      maxRequests: 20_000,
      replayOnClosedConnection: true,
      request: () => ({ method: 'GET', url: `${stack.urls.lb}/api/tags` }),
    });
    // Shortly after the rolling restart above, while the other instance has only just come back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await stack.killInstance(1, 'SIGKILL');
    await stack.waitForLbState(1, 'DOWN', 15_000);
    const noticedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const outcomes = await traffic.stop();

    const after = outcomes.filter((o) => o.at >= noticedAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter(failed), describeFailures(after)).toHaveLength(0);
    expect(after.every((o) => o.instance === 'api-2')).toBe(true);
    // Before HAProxy noticed, retry-on + redispatch re-sent GETs that hit the dead instance.
    const during = outcomes.filter((o) => o.at >= killedAt && o.at < noticedAt);
    expect(during.filter(failed), describeFailures(during)).toHaveLength(0);
    // Replays: at most the 4 requests in flight, and none once HAProxy took the instance out.
    expect(outcomes.filter((o) => o.replayed).length).toBeLessThanOrEqual(4);
    expect(after.filter((o) => o.replayed)).toHaveLength(0);

    await stack.startInstance(1);
    expect((await stack.lbStatus()).filter((s) => s.backend === 'api').map((s) => s.status)).toEqual(['UP', 'UP']);
  }, 90_000);

  it('the supervisor restarts an instance that crashed', async () => {
    const proc = stack.instances[1].process;
    const before = proc.restarts;
    proc.crash('SIGKILL'); // from "outside": not a requested stop
    await stack.waitForLbState(2, 'DOWN', 15_000);
    await stack.waitForLbState(2, 'UP', 60_000);
    expect(proc.restarts).toBe(before + 1);
    expect((await fetch(`${stack.instances[1].url}/health/ready`)).status).toBe(200);
  }, 90_000);

  it('stop() leaves no process behind', async () => {
    // 2 API instances, 2 Redis roles, HAProxy.
    const pids = stack.processes.map((p) => p.pid).filter((p): p is number => p !== undefined);
    expect(pids).toHaveLength(5);
    await stack.stop();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
    await expect(fetch(stack.urls.lb, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
  }, 60_000);
});
