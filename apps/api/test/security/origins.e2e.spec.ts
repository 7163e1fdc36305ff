import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { connectChat, deleteRedisKeys } from '../chat/support/chat-client.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

const ALLOWED = 'https://app.example.test';
/** Look-alikes of the allowed origin that a regex or prefix/suffix check would let through. */
const DISALLOWED = [
  'https://evil.example',
  'https://app.example.test.evil.example',
  'https://evilapp.example.test',
  'http://app.example.test',
  'https://app.example.test:8443',
  'https://APP.example.test.evil.example',
  'null',
];

/** Browsers on other origins get no CORS grant over HTTP and cannot open a chat socket. */
describe('origin allowlist for HTTP (CORS) and the Socket.IO handshake (e2e)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: ALLOWED });
    api = new RecordingClient(t.url);
    token = (await api.actingAsNewUser('origin')).token;
  });
  afterAll(async () => {
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('control: the allowed origin gets its grant (preflight and simple request)', async () => {
    const preflight = await api.request('OPTIONS', '/api/articles', undefined, {
      origin: ALLOWED,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect((await api.get('/api/tags', { origin: ALLOWED })).headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const socket = await connectChat(t.url, { token, origin: ALLOWED, reconnection: false });
    socket.disconnect();
  });

  it('disallowed origins get no Access-Control-Allow-Origin on preflights, reads, writes and errors', async () => {
    for (const origin of DISALLOWED) {
      const responses = [
        await api.request('OPTIONS', '/api/articles', undefined, { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' }),
        await api.request('OPTIONS', '/api/user', undefined, { origin, 'access-control-request-method': 'PUT' }),
        await api.get('/api/tags', { origin }),
        await api.as(token).get('/api/user', { origin }),
        await api.as(token).post('/api/articles', { article: {} }, { origin }),
        await api.get('/api/does-not-exist', { origin }),
      ];
      for (const res of responses) {
        expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
      expect(responses[0].status).toBeLessThan(500);
    }
  });

  it('disallowed origins are refused on the Socket.IO handshake, over WebSocket and long-polling', async () => {
    for (const origin of DISALLOWED) {
      for (const transports of [['websocket'], ['polling']] as const) {
        await expect(connectChat(t.url, { token, origin, reconnection: false, transports: [...transports] }), `${origin} ${transports[0]}`).rejects.toThrow();
      }
    }
    // A raw Engine.IO polling handshake from a disallowed origin is refused before any session exists.
    const res = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: DISALLOWED[0] } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.text()).not.toMatch(/"sid"/);
  });

  it('the default namespace and unknown namespaces give nothing either', async () => {
    const root = io(t.url, { transports: ['websocket'], extraHeaders: { origin: DISALLOWED[0] }, reconnection: false, forceNew: true, timeout: 5_000 });
    const outcome = await new Promise<string>((resolve) => {
      root.once('connect', () => resolve('connected'));
      root.once('connect_error', () => resolve('refused'));
    });
    root.disconnect();
    expect(outcome).toBe('refused');
  });

  it('no response in this file contained a password hash', () => {
    expect(api.log.length).toBeGreaterThan(10);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
