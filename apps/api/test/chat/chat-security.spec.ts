import { ApiClient } from '@conduit/testing';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ack, connectChat, nextEvent, signToken, type ChatClient, deleteRedisKeys } from './support/chat-client.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';

const ALLOWED_ORIGIN = 'https://app.example.test';

/** Handshake authentication, origin allowlist, input limits and misbehaving clients. */
describe('chat security and limits', () => {
  let t: TestApp;
  let alice: { token: string; username: string };
  let bob: { token: string; username: string };
  let roomId: number;
  const sockets: ChatClient[] = [];
  const open = async (token: string, origin?: string) => {
    const s = await connectChat(t.url, { token, origin, reconnection: false });
    sockets.push(s);
    return s;
  };
  const joined = async (token: string) => {
    const s = await open(token);
    expect((await ack(s, 'room:join', { roomId })).ok).toBe(true);
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp({
      ...CHAT_TEST_ENV,
      CHAT_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      CHAT_MESSAGE_RATE_PER_SECOND: '2',
      CHAT_MESSAGE_BURST: '5',
      CHAT_MAX_PAYLOAD_BYTES: '16384',
    });
    const api = new ApiClient(t.url);
    alice = await api.actingAsNewUser('alice');
    bob = await api.actingAsNewUser('bob');
    const s = await open(alice.token);
    roomId = (await ack(s, 'room:create', { name: 'security' })).room.id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  describe('handshake', () => {
    it('refuses a missing token with a clear connect_error', async () => {
      const error = await connectChat(t.url, { reconnection: false }).then(
        () => null,
        (e) => e,
      );
      expect(error.message).toMatch(/token is required/);
      expect(error.data).toEqual({ errors: { token: [expect.stringMatching(/token is required/)] } });
    });

    it('refuses a forged, malformed or expired token', async () => {
      const forged = await signToken('not-the-server-secret-0123456789', { id: 1, username: 'mallory' }, 3600);
      const expired = await signToken(t.config.JWT_SECRET, { id: 1, username: 'alice' }, -10);
      for (const token of [forged, expired, 'not.a.jwt', '']) {
        const error = await connectChat(t.url, { token, reconnection: false }).then(
          () => null,
          (e) => e,
        );
        expect(error?.message, token).toMatch(/invalid or expired token|token is required/);
      }
    });

    it('checks the Origin on the handshake itself (WebSocket and polling)', async () => {
      const refused = await connectChat(t.url, { token: alice.token, origin: 'https://evil.example', reconnection: false }).then(
        () => null,
        (e) => e,
      );
      expect(refused).toBeInstanceOf(Error);
      const ok = await open(alice.token, ALLOWED_ORIGIN);
      expect(ok.connected).toBe(true);

      const handshake = (origin: string) => fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
      const evil = await handshake('https://evil.example');
      expect(evil.status).toBe(403);
      expect(await evil.json()).toMatchObject({ message: 'origin not allowed' });
      expect((await handshake(ALLOWED_ORIGIN)).status).toBe(200);
    });

    it('serves only the /chat namespace', async () => {
      const root = io(t.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: alice.token } });
      const error = await new Promise<Error>((resolve) => root.once('connect_error', resolve));
      root.disconnect();
      expect(error.message).toMatch(/\/chat namespace/);
    });
  });

  describe('input', () => {
    it('rejects empty, blank and over-long messages with an error ack, accepts exactly 2000 characters', async () => {
      const s = await joined(alice.token);
      for (const body of ['', '   \n ']) {
        expect(await ack(s, 'message:send', { roomId, body })).toEqual({ ok: false, code: 'invalid', errors: { body: ["can't be blank"] } });
      }
      expect(await ack(s, 'message:send', { roomId, body: 'x'.repeat(2001) })).toMatchObject({ ok: false, code: 'invalid', errors: { body: [expect.stringMatching(/too long/)] } });
      // 2000 characters even when each takes 4 UTF-8 bytes (8 KB, under the payload cap).
      expect(await ack(s, 'message:send', { roomId, body: '😀'.repeat(2000) })).toMatchObject({ ok: true });
      expect(await ack(s, 'message:send', { roomId, body: 'x'.repeat(2000) })).toMatchObject({ ok: true });
    });

    it('rejects unknown fields and wrong types, and nothing is stored', async () => {
      const s = await joined(alice.token);
      const before = (await new ApiClient(t.url, alice.token).get(`/api/chat/rooms/${roomId}/messages?limit=100`)).body.messages.length;
      expect(await ack(s, 'message:send', { roomId, body: 'hi', authorId: 2 })).toMatchObject({ ok: false, code: 'invalid', errors: { authorId: ['is not an allowed field'] } });
      expect(await ack(s, 'message:send', { roomId: '1 OR 1=1', body: 'hi' })).toMatchObject({ ok: false, code: 'invalid', errors: { roomId: expect.any(Array) } });
      expect(await ack(s, 'message:send', 'just a string')).toMatchObject({ ok: false, code: 'invalid' });
      expect(await ack(s, 'room:join', { roomId: 999999 })).toMatchObject({ ok: false, code: 'not_found' });
      expect(await ack(s, 'room:create', { name: '' })).toMatchObject({ ok: false, code: 'invalid' });
      expect(await ack(s, 'room:create', { name: 'security' })).toMatchObject({ ok: false, code: 'conflict', errors: { name: ['has already been taken'] } });
      const after = (await new ApiClient(t.url, alice.token).get(`/api/chat/rooms/${roomId}/messages?limit=100`)).body.messages.length;
      expect(after).toBe(before);
    });
  });

  describe('misbehaving clients are cut off alone', () => {
    it('rate-limits messages per socket and disconnects a socket that keeps flooding', async () => {
      const flooder = await joined(bob.token);
      const bystander = await joined(alice.token);
      const wave = (n: number, label: string) =>
        Promise.all(Array.from({ length: n }, (_, i) => ack(flooder, 'message:send', { roomId, body: `${label} ${i}` }, 5_000).catch(() => ({ ok: false, code: 'no_ack' }))));
      // Burst 5 at 2/s: a burst of 12 gets 5 through (one or two more if the packets straggle in
      // over a loaded second), the rest is refused.
      const first = await wave(12, 'burst');
      const stored = first.filter((r) => r.ok).length;
      expect(stored).toBeGreaterThanOrEqual(5);
      expect(stored).toBeLessThanOrEqual(7);
      expect(first.filter((r) => r.code === 'rate_limited').length).toBe(12 - stored);
      expect(flooder.connected).toBe(true);
      // Ignoring the refusals: more than 2 x burst rejections in a row and the server hangs up.
      const closed = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
      await wave(20, 'flood');
      expect(await closed).toBe('io server disconnect');
      expect(bystander.connected).toBe(true);
      expect(await ack(bystander, 'message:send', { roomId, body: 'still fine' })).toMatchObject({ ok: true });
    });

    it('closes the connection of a client sending a payload over the cap, others unaffected', async () => {
      const big = await joined(bob.token);
      const bystander = await joined(alice.token);
      const closed = new Promise<string>((resolve) => big.once('disconnect', resolve));
      big.emit('message:send', { roomId, body: 'x'.repeat(64 * 1024) });
      expect(await closed).toMatch(/transport (close|error)/);
      expect(await ack(bystander, 'message:send', { roomId, body: 'unaffected' })).toMatchObject({ ok: true });
    });

    it('disconnects a socket flooding any event (typing spam)', async () => {
      const spammer = await joined(bob.token);
      const closed = new Promise<string>((resolve) => spammer.once('disconnect', resolve));
      for (let i = 0; i < 300; i++) spammer.emit('typing', { roomId });
      expect(await closed).toBe('io server disconnect');
    });
  });

  it('ends the connection when the token expires mid-connection', async () => {
    const me = await new ApiClient(t.url, alice.token).get('/api/user');
    const shortLived = await signToken(t.config.JWT_SECRET, { id: Number(JSON.parse(atob(alice.token.split('.')[1])).sub), username: me.body.user.username }, 5);
    const s = await open(shortLived);
    const expired = nextEvent(s, 'session:expired', () => true, 15_000);
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    expect(await expired).toEqual({ errors: { token: ['token expired'] } });
    expect(await closed).toBe('io server disconnect');
  });
});
