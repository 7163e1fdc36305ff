import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ack, connectChat, deleteRedisKeys, type ChatClient } from '../chat/support/chat-client.js';
import { burnCpu, EventLoopProbe, type StallReading } from './support/event-loop-probe.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

/**
 * Hostile sizes and shapes: oversized and chunked bodies, huge arrays, deeply nested JSON, absurd
 * query values, huge headers and URLs, oversized / nested / flooding Socket.IO messages. Each
 * gets a 4xx (or a disconnect), never a 5xx, and handling it never blocks the event loop.
 *
 * Event-loop bound: the app runs in THIS process, so the probe sees any synchronous work the app
 * does for a request. It measures each block in CPU time, not wall-clock lateness (see
 * EventLoopProbe): on a shared 2-core CI box the loop is also late because the process waits for a
 * core (CPU steal, GC of other processes, other test workers, a burner), and a wall-clock bound would
 * test the machine. Each case first measures a baseline (the longest block while the app handles
 * the same number of ordinary requests of the same route) and asserts that the hostile case's
 * longest block stays under baseline + 100 ms of CPU: handling the hostile input added no stall of
 * 100 ms or more. (A handler that JSON-walked 100k tags or recursed 10k levels synchronously would
 * add far more.) Measured in 6 runs on the project's 2-core box with a load average of 6-14 (other
 * test suites and load tests running): the hostile requests' longest block was at most 61 ms of CPU
 * (baseline 5-109 ms), the oversized and nested socket messages at most 12 ms, while the wall-clock
 * lateness of the same gaps reached 460 ms. Run with PROBE_LOG=1 to print the readings.
 */
const STALL_BUDGET_MS = 100;
/**
 * Bound for the Socket.IO flood's longest block, ms of CPU (see the test for why it is separate):
 * 154-209 ms measured in the same 6 runs (wall-clock: up to 832 ms), so 3x the worst reading.
 */
const FLOOD_BLOCK_BUDGET_MS = 600;

function expectNoAddedStall(what: string, attack: StallReading, baseline: StallReading) {
  const detail = `${what}: longest block ${attack.cpuMs.toFixed(1)} ms CPU (${attack.wallMs.toFixed(1)} ms wall) vs ordinary ${baseline.cpuMs.toFixed(1)} ms CPU (${baseline.wallMs.toFixed(1)} ms wall)`;
  if (process.env.PROBE_LOG) console.log(detail);
  expect(attack.cpuMs, detail).toBeLessThan(baseline.cpuMs + STALL_BUDGET_MS);
}

describe('input limits: 4xx or disconnect, never 5xx, never an event-loop stall (e2e)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let alice: RecordingClient;
  let token: string;
  let slug: string;
  const sockets: ChatClient[] = [];

  beforeAll(async () => {
    t = await startTestApp({ CHAT_MAX_PAYLOAD_BYTES: '16384' });
    api = new RecordingClient(t.url);
    const user = await api.actingAsNewUser('limits');
    alice = user.client as RecordingClient;
    token = user.token;
    slug = (await alice.post('/api/articles', { article: { title: 'Limits', description: 'd', body: 'b' } })).body.article.slug;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  /** Baseline (ordinary requests) vs hostile run; both send `n` requests, 4 at a time. */
  async function withinStallBudget(ordinary: () => Promise<unknown>, hostile: () => Promise<unknown>, n = 8) {
    const run = async (f: () => Promise<unknown>) => {
      for (let i = 0; i < n; i += 4) await Promise.all([f(), f(), f(), f()].slice(0, Math.min(4, n - i)));
    };
    await ordinary(); // warm up the route (first-call compilation is not what we measure)
    const baseline = await EventLoopProbe.during(() => run(ordinary));
    const attack = await EventLoopProbe.during(() => run(hostile));
    expectNoAddedStall('hostile request', attack, baseline);
  }

  const expect4xx = (res: { status: number }, what: string) => {
    expect(res.status, what).toBeGreaterThanOrEqual(400);
    expect(res.status, what).toBeLessThan(500);
  };

  it('oversized bodies on every body route are 413 (also chunked, without Content-Length)', async () => {
    const big = 'x'.repeat(t.config.BODY_LIMIT_BYTES + 1);
    const routes: [string, string, RecordingClient][] = [
      ['POST', '/api/users', api],
      ['POST', '/api/users/login', api],
      ['PUT', '/api/user', alice],
      ['POST', '/api/articles', alice],
      ['PUT', `/api/articles/${slug}`, alice],
      ['POST', `/api/articles/${slug}/comments`, alice],
      ['POST', '/api/chat/rooms', alice],
    ];
    const payload = JSON.stringify({ article: { title: 't', description: 'd', body: big } });
    for (const [method, path, client] of routes) {
      const res = await client.request(method, path, payload);
      expect(res.status, `${method} ${path}`).toBe(413);
      expect(res.body.errors).toBeTypeOf('object');
    }
    await withinStallBudget(
      () => alice.post('/api/articles', { article: { title: 'ok', description: 'd', body: 'small' } }),
      async () => expect((await alice.request('POST', '/api/articles', payload)).status).toBe(413),
    );
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL('/api/articles', t.url);
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${token}`, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE' ? resolve(413) : reject(e)));
      const chunk = 'x'.repeat(64 * 1024);
      req.write('{"article":{"body":"');
      for (let i = 0; i < 16; i++) req.write(chunk); // 1 MiB, never announced
      req.end('"}}');
    });
    expect(chunked).toBe(413);
  });

  it('huge arrays: 100k tags (over the body limit) is 413; 50k tags inside it is 422 without a stall', async () => {
    const hundredK = JSON.stringify({ article: { title: 't', description: 'd', body: 'b', tagList: Array.from({ length: 100_000 }, (_, i) => `t${i}`) } });
    expect((await alice.request('POST', '/api/articles', hundredK)).status).toBe(413);
    const fiftyK = JSON.stringify({ article: { title: 't', description: 'd', body: 'b', tagList: Array(50_000).fill('a') } });
    expect(fiftyK.length).toBeLessThan(t.config.BODY_LIMIT_BYTES);
    const ok = JSON.stringify({ article: { title: 't', description: 'd', body: 'b', tagList: Array(20).fill('a') } });
    await withinStallBudget(
      () => alice.request('POST', '/api/articles', ok),
      async () => {
        const res = await alice.request('POST', '/api/articles', fiftyK);
        expect(res.status).toBe(422);
        expect(res.body.errors.tagList).toBeDefined();
      },
    );
    // Arrays where a scalar belongs (query and body).
    expect((await alice.request('POST', '/api/articles', JSON.stringify({ article: { title: Array(50_000).fill('a'), description: 'd', body: 'b' } }))).status).toBe(422);
    const manyTags = `/api/articles?${Array.from({ length: 1_000 }, () => 'tag=a').join('&')}`;
    expect((await api.get(manyTags)).status).toBe(422);
  });

  it('deeply nested JSON (10k and 100k levels) is 4xx without a stall', async () => {
    const nested = (depth: number) => `{"article":{"title":"t","description":"d","body":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const nestedObject = (depth: number) => `{"user":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    for (const [path, body] of [
      ['/api/articles', nested(10_000)],
      ['/api/articles', nested(100_000)],
      ['/api/user', nestedObject(10_000)],
      ['/api/users/login', nestedObject(30_000)],
    ] as const) {
      const res = await alice.request(path === '/api/user' ? 'PUT' : 'POST', path, body);
      expect4xx(res, `${path} depth ${body.length}`);
    }
    const ok = JSON.stringify({ article: { title: 't', description: 'd', body: 'b' } });
    await withinStallBudget(
      () => alice.request('POST', '/api/articles', ok),
      async () => expect4xx(await alice.request('POST', '/api/articles', nested(10_000)), '10k levels'),
    );
  });

  it('absurd limit / offset / before values are 422, never 5xx', async () => {
    const values = ['1e309', '99999999999999999999', '-1', '0', 'NaN', 'Infinity', '1.5', '0x10', '', ' ', '%00', '1;DROP TABLE articles', '9'.repeat(5_000)];
    const paths: string[] = [];
    for (const v of values) {
      const q = encodeURIComponent(v);
      paths.push(
        `/api/articles?limit=${q}`,
        ...(v === '0' ? [] : [`/api/articles?offset=${q}`]),
        `/api/articles/feed?limit=${q}`,
        `/api/chat/rooms/1/messages?limit=${q}`,
        `/api/chat/rooms/1/messages?before=${q}`,
      );
    }
    paths.push('/api/articles?limit=1&limit=2', '/api/articles?limit[]=1', '/api/articles?limit[a]=1', '/api/articles?offset=10001', '/api/articles?limit=101');
    for (const path of paths) {
      const res = await alice.get(path);
      expect4xx(res, path);
    }
    // The largest allowed values work.
    expect((await alice.get('/api/articles?limit=100&offset=10000')).status).toBe(200);
  });

  it('huge headers and URLs are 4xx (431/414), and the server keeps serving', async () => {
    const res = await fetch(`${t.url}/api/tags`, { headers: { 'x-filler': 'x'.repeat(64 * 1024) } }).catch(() => ({ status: 431 }));
    expect4xx(res, 'huge header');
    const url = await fetch(`${t.url}/api/articles?tag=${'a'.repeat(100_000)}`).catch(() => ({ status: 414 }));
    expect4xx(url, 'huge URL');
    expect((await api.get('/api/tags')).status).toBe(200);
  });

  it('Socket.IO: an oversized message disconnects its sender; nested payloads get an error ack; a flood is cut off; no stall', async () => {
    const room = await (async () => {
      const s = await connectChat(t.url, { token, reconnection: false });
      sockets.push(s);
      return (await ack(s, 'room:create', { name: 'limits-room' })).room.id as number;
    })();
    const joined = async () => {
      const s = await connectChat(t.url, { token, reconnection: false });
      sockets.push(s);
      expect((await ack(s, 'room:join', { roomId: room })).ok).toBe(true);
      return s;
    };
    const bystander = await joined();

    // Baseline: ordinary messages, as many as the hostile phase sends events of its own.
    const ordinary = await joined();
    await ack(ordinary, 'message:send', { roomId: room, body: 'warm-up' });
    const baseline = await EventLoopProbe.during(async () => {
      for (let i = 0; i < 4; i++) await ack(ordinary, 'message:send', { roomId: room, body: `ordinary ${i}` });
    });

    const big = await joined();
    const flooder = await joined();
    const nestedSocket = await joined();
    // 7000 levels (14 KB, under the payload cap). socket.io-client's encoder recurses and cannot
    // send it, so it goes out as a raw Socket.IO packet with ack id 990; the ack is read raw too.
    // (engine.send adds the Engine.IO message type '4'; '2' = EVENT, '3' = ACK.)
    const deepPacket = `2/chat,990["message:send",{"roomId":${room},"body":${'['.repeat(7_000)}${']'.repeat(7_000)}}]`;
    const rawAck = (s: ChatClient, id: number) =>
      new Promise<string>((resolve) => {
        const onData = (data: unknown) => {
          if (typeof data === 'string' && data.startsWith(`3/chat,${id}[`)) {
            s.io.engine.off('data', onData);
            resolve(data.slice(`3/chat,${id}`.length));
          }
        };
        s.io.engine.on('data', onData);
      });
    const oversized = 'x'.repeat(256 * 1024);
    const oversizedRead = await EventLoopProbe.during(async () => {
      const bigClosed = new Promise<string>((resolve) => big.once('disconnect', resolve));
      big.emit('message:send', { roomId: room, body: oversized });
      expect(await bigClosed).toMatch(/transport (close|error)/);
    });
    expectNoAddedStall('oversized socket message', oversizedRead, baseline);

    const nestedRead = await EventLoopProbe.during(async () => {
      const nestedAck = rawAck(nestedSocket, 990);
      nestedSocket.io.engine.send(deepPacket);
      expect(JSON.parse(await nestedAck)).toEqual([expect.objectContaining({ ok: false, code: 'invalid' })]);
    });
    expectNoAddedStall('nested socket message', nestedRead, baseline);

    // The flood is 2,000 events written at once: they reach the server in a few socket reads, and
    // each read's packets are decoded in one synchronous turn, so this block grows with the read size
    // and is not comparable to 4 ordinary messages. It has its own bound, FLOOD_BLOCK_BUDGET_MS.
    const floodRead = await EventLoopProbe.during(async () => {
      const floodClosed = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
      for (let i = 0; i < 2_000; i++) flooder.emit('message:send', { roomId: room, body: `flood ${i}` });
      expect(await floodClosed).toBe('io server disconnect');
    });
    const floodDetail = `flood: longest block ${floodRead.cpuMs.toFixed(1)} ms CPU (${floodRead.wallMs.toFixed(1)} ms wall)`;
    if (process.env.PROBE_LOG) console.log(floodDetail);
    expect(floodRead.cpuMs, floodDetail).toBeLessThan(FLOOD_BLOCK_BUDGET_MS);
    expect(bystander.connected).toBe(true);
    expect(await ack(bystander, 'message:send', { roomId: room, body: 'still here' })).toMatchObject({ ok: true });
  });

  it('the event-loop probe is not vacuous: it sees a 150 ms synchronous block', async () => {
    const reading = await EventLoopProbe.during(async () => {
      await new Promise((r) => setTimeout(r, 30));
      burnCpu(150); // a handler doing 150 ms of synchronous work
    });
    expect(reading.cpuMs).toBeGreaterThanOrEqual(140);
  });

  it('the event-loop probe does not count waiting for a core as a block', async () => {
    // A sleeping process is late like a descheduled one, without using CPU: Atomics.wait blocks
    // the thread for 150 ms of wall-clock time while it burns no CPU.
    const reading = await EventLoopProbe.during(async () => {
      await new Promise((r) => setTimeout(r, 30));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
    });
    expect(reading.wallMs).toBeGreaterThanOrEqual(140);
    expect(reading.cpuMs).toBeLessThan(50);
  });

  it('no 5xx was answered to anything in this file', () => {
    expect(api.log.length).toBeGreaterThan(80);
    expect(api.log.filter((r) => r.status >= 500).map((r) => `${r.request.slice(0, 120)} -> ${r.status}`)).toEqual([]);
  });

  it('no response in this file contained a password hash', () => {
    expect(api.log.length).toBeGreaterThan(10);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
