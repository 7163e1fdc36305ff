// The driver's chat users against a real Socket.IO 4 server (the library the API uses): proves
// the shared Engine.IO/Socket.IO framing interoperates - namespace connect with auth, ping/pong,
// acks, broadcasts - and that deliveries and failures are recorded.
import { createServer, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../shared/settings.ts';
import { runChatSession } from './chat-session.ts';
import { SourceAddressPool } from './http-client.ts';
import { Recorder } from './recorder.ts';

describe('driver chat session (real Socket.IO server)', () => {
  let http: HttpServer;
  let io: Server;
  let baseUrl = '';
  const peers = new Set<string>();
  const pool = new SourceAddressPool();

  beforeAll(async () => {
    http = createServer();
    // Ping every 150 ms and give up 150 ms later: a client that did not answer pings would be
    // dropped well within the 1.5 s sessions below.
    io = new Server(http, { pingInterval: 150, pingTimeout: 150, transports: ['websocket'] });
    const chat = io.of('/chat');
    chat.use((socket, next) => (socket.handshake.auth?.token === 'good-token' ? next() : next(new Error('invalid or expired token'))));
    let id = 0;
    chat.on('connection', (socket) => {
      peers.add(socket.handshake.address);
      socket.on('room:join', (body: { roomId: number }, ack: (a: unknown) => void) => {
        if (typeof body?.roomId !== 'number') return ack({ ok: false, code: 'invalid', errors: { roomId: ['must be a room id'] } });
        void socket.join(`room:${body.roomId}`);
        ack({ ok: true, room: { id: body.roomId }, messages: [], users: [] });
      });
      socket.on('message:send', (body: { roomId: number; body: string }, ack: (a: unknown) => void) => {
        const message = { id: ++id, roomId: body.roomId, body: body.body, author: { id: 1, username: 'x' }, createdAt: new Date().toISOString() };
        socket.to(`room:${body.roomId}`).emit('message', message);
        ack({ ok: true, message });
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    baseUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await pool.close();
    await new Promise((r) => io.close(() => r(undefined)));
  });

  it('connects with auth, answers pings, joins, sends and times deliveries between two users', async () => {
    const settings = resolveSettings({ BASE_URL: baseUrl, CHAT_SESSION: '1.5s', CHAT_MESSAGE_INTERVAL_MS: '100' });
    const rec = new Recorder();
    const stop = new AbortController().signal;
    await Promise.all([1, 2].map((vu) => runChatSession({ settings, vu, token: 'good-token', roomId: 7, agent: pool.agentFor(vu), rec, stop })));
    expect(rec.chatErrors).toBe(0);
    expect([...rec.errorReasons.keys()]).toEqual([]);
    expect(rec.chatConnects).toBe(2);
    expect(rec.chatSent).toBeGreaterThanOrEqual(10);
    // Each user receives the other's messages (never its own); the last in flight may be cut off.
    expect(rec.chatReceived).toBeGreaterThanOrEqual(rec.chatSent - 4);
    expect(rec.chatReceived).toBeLessThanOrEqual(rec.chatSent);
    expect(rec.chatDelivery.count).toBe(rec.chatReceived);
    // The WebSockets came from the users' own loopback addresses.
    expect([...peers].sort()).toEqual(expect.arrayContaining(['127.0.0.2', '127.0.0.3'].map((a) => expect.stringContaining(a))));
  }, 20_000);

  it('records a refused handshake as a failed connect', async () => {
    const settings = resolveSettings({ BASE_URL: baseUrl, CHAT_SESSION: '2s' });
    const rec = new Recorder();
    await runChatSession({ settings, vu: 3, token: 'bad-token', roomId: 7, agent: pool.agentFor(3), rec, stop: new AbortController().signal });
    expect(rec.chatConnects).toBe(0);
    expect(rec.chatConnectFailures).toBe(1);
    expect([...rec.errorReasons.keys()][0]).toMatch(/connect refused: .*invalid or expired token/);
  }, 20_000);

  it('stops when the run stops', async () => {
    const settings = resolveSettings({ BASE_URL: baseUrl, CHAT_SESSION: '60s' });
    const rec = new Recorder();
    const ctrl = new AbortController();
    const started = Date.now();
    const session = runChatSession({ settings, vu: 4, token: 'good-token', roomId: 8, agent: pool.agentFor(4), rec, stop: ctrl.signal });
    setTimeout(() => ctrl.abort(), 300);
    await session;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(rec.chatConnects).toBe(1);
    expect(rec.chatErrors).toBe(0);
  }, 40_000);
});
