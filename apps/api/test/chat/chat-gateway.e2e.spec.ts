import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatMessageWriter } from '../../src/chat/chat-message.writer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';
import { MessageLog, ack, connectChat, nextEvent, type ChatClient, deleteRedisKeys } from './support/chat-client.js';

describe('chat gateway (single instance, real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let api: ApiClient;
  let alice: { token: string; username: string; client: ApiClient };
  let bob: { token: string; username: string; client: ApiClient };
  const sockets: ChatClient[] = [];
  const open = async (token: string, transports?: ('websocket' | 'polling')[]) => {
    const s = await connectChat(t.url, { token, transports });
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp(CHAT_TEST_ENV);
    api = new ApiClient(t.url);
    alice = await api.actingAsNewUser('alice');
    bob = await api.actingAsNewUser('bob');
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('creates, lists, joins rooms and delivers a stored message to the other member', async () => {
    const a = await open(alice.token);
    const b = await open(bob.token);
    const created = await ack(a, 'room:create', { name: 'general' });
    expect(created).toMatchObject({ ok: true, room: { name: 'general', joined: true } });
    const roomId = created.room.id as number;

    const listed = await ack(b, 'rooms:list');
    expect(listed.rooms).toContainEqual(expect.objectContaining({ id: roomId, name: 'general', joined: false }));

    expect(await ack(a, 'room:join', { roomId })).toMatchObject({ ok: true, messages: [] });
    const bJoin = await ack(b, 'room:join', { roomId });
    expect(bJoin.ok).toBe(true);
    expect(bJoin.users.map((u: { username: string }) => u.username).sort()).toEqual([alice.username, bob.username].sort());

    const received = nextEvent(b, 'message');
    const sent = await ack(a, 'message:send', { roomId, body: 'hello bob' });
    expect(sent).toMatchObject({ ok: true, message: { roomId, body: 'hello bob', author: { username: alice.username } } });
    expect(sent.message.id).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(sent.message.createdAt))).toBe(false);
    expect(await received).toEqual(sent.message);

    // Stored: REST history returns it, newest first.
    const history = await alice.client.get(`/api/chat/rooms/${roomId}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.messages[0]).toEqual(sent.message);
  });

  it('creates and lists rooms over REST (validated, unique names)', async () => {
    const created = await alice.client.post('/api/chat/rooms', { room: { name: 'rest-room' } });
    expect(created.status).toBe(201);
    expect(created.body.room).toMatchObject({ name: 'rest-room', joined: true });
    expect((await alice.client.post('/api/chat/rooms', { room: { name: 'rest-room' } })).body).toEqual({ errors: { name: ['has already been taken'] } });
    expect((await alice.client.post('/api/chat/rooms', { room: { name: '  ' } })).status).toBe(422);
    expect((await alice.client.post('/api/chat/rooms', { room: { name: 'x', private: true } })).body.errors.private).toEqual(['is not an allowed field']);
    const listed = await bob.client.get('/api/chat/rooms');
    expect(listed.body.rooms).toContainEqual(expect.objectContaining({ id: created.body.room.id, name: 'rest-room', joined: false }));
    expect((await api.get('/api/chat/rooms')).status).toBe(401);
  });

  it('paginates history with a cursor and refuses non-members (REST)', async () => {
    const a = await open(alice.token);
    const { room } = await ack(a, 'room:create', { name: 'paging' });
    await ack(a, 'room:join', { roomId: room.id });
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await ack(a, 'message:send', { roomId: room.id, body: `m${i}` })).message.id);

    const page1 = await alice.client.get(`/api/chat/rooms/${room.id}/messages?limit=3`);
    expect(page1.body.messages.map((m: { body: string }) => m.body)).toEqual(['m6', 'm5', 'm4']);
    const page2 = await alice.client.get(`/api/chat/rooms/${room.id}/messages?limit=3&before=${page1.body.nextBefore}`);
    expect(page2.body.messages.map((m: { body: string }) => m.body)).toEqual(['m3', 'm2', 'm1']);
    const page3 = await alice.client.get(`/api/chat/rooms/${room.id}/messages?limit=3&before=${page2.body.nextBefore}`);
    expect(page3.body).toMatchObject({ messages: [expect.objectContaining({ body: 'm0' })], nextBefore: null });

    // Older pages never change (append-only): the browser may keep them; the newest page may not be reused unchecked.
    expect(page1.headers.get('cache-control')).toBe('private, no-cache');
    expect(page2.headers.get('cache-control')).toBe('private, max-age=3600, immutable');

    const outsider = await bob.client.get(`/api/chat/rooms/${room.id}/messages`);
    expect(outsider.status).toBe(403);
    expect(outsider.body.errors.room).toBeDefined();
    expect((await alice.client.get('/api/chat/rooms/999999/messages')).status).toBe(404);
    expect((await alice.client.get(`/api/chat/rooms/${room.id}/messages?limit=1000`)).status).toBe(422);
    expect((await alice.client.get(`/api/chat/rooms/${room.id}/messages?evil=1`)).status).toBe(422);
    expect((await api.get(`/api/chat/rooms/${room.id}/messages`)).status).toBe(401);
  });

  it('authorizes every event: a non-member can neither post, hear, type nor see presence', async () => {
    const a = await open(alice.token);
    const b = await open(bob.token);
    const { room } = await ack(a, 'room:create', { name: 'private-ish' });
    await ack(a, 'room:join', { roomId: room.id });
    let bobHeard = 0;
    b.on('message', () => bobHeard++);
    b.on('typing', () => bobHeard++);

    expect(await ack(b, 'message:send', { roomId: room.id, body: 'let me in' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await ack(b, 'typing', { roomId: room.id })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await ack(b, 'presence:get', { roomId: room.id })).toMatchObject({ ok: false, code: 'forbidden' });
    await ack(a, 'message:send', { roomId: room.id, body: 'members only' });
    await ack(a, 'typing', { roomId: room.id });
    // A later round trip on b's connection orders after anything the server would have sent it.
    await ack(b, 'rooms:list');
    expect(bobHeard).toBe(0);
  });

  it("leaving stops delivery to all of the user's sockets and removes presence", async () => {
    const a = await open(alice.token);
    const b1 = await open(bob.token);
    const b2 = await open(bob.token);
    const { room } = await ack(a, 'room:create', { name: 'leavers' });
    await ack(a, 'room:join', { roomId: room.id });
    await ack(b1, 'room:join', { roomId: room.id });
    await ack(b2, 'room:join', { roomId: room.id });
    const presenceAfterLeave = nextEvent(a, 'presence', (p: { users: unknown[] }) => p.users.length === 1);
    expect(await ack(b1, 'room:leave', { roomId: room.id })).toEqual({ ok: true });
    expect((await presenceAfterLeave).users).toEqual([expect.objectContaining({ username: alice.username })]);
    let heard = 0;
    b2.on('message', () => heard++);
    await ack(a, 'message:send', { roomId: room.id, body: 'after leave' });
    await ack(b2, 'rooms:list');
    expect(heard).toBe(0);
    expect(await ack(b2, 'message:send', { roomId: room.id, body: 'x' })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('typing reaches other members and is not stored', async () => {
    const a = await open(alice.token);
    const b = await open(bob.token);
    const { room } = await ack(a, 'room:create', { name: 'typing' });
    await ack(a, 'room:join', { roomId: room.id });
    await ack(b, 'room:join', { roomId: room.id });
    const typing = nextEvent(b, 'typing');
    expect(await ack(a, 'typing', { roomId: room.id })).toEqual({ ok: true });
    expect(await typing).toEqual({ roomId: room.id, user: expect.objectContaining({ username: alice.username }) });
    expect((await alice.client.get(`/api/chat/rooms/${room.id}/messages`)).body.messages).toEqual([]);
  });

  it('replays everything after `since` on join (reconnect without loss)', async () => {
    const a = await open(alice.token);
    const { room } = await ack(a, 'room:create', { name: 'replay' });
    await ack(a, 'room:join', { roomId: room.id });
    const first = (await ack(a, 'message:send', { roomId: room.id, body: 'seen' })).message.id;
    for (let i = 0; i < 5; i++) await ack(a, 'message:send', { roomId: room.id, body: `missed ${i}` });
    const b = await open(bob.token);
    const joined = await ack(b, 'room:join', { roomId: room.id, since: first });
    expect(joined.messages.map((m: { body: string }) => m.body)).toEqual(['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4']);
    expect(joined.hasMore).toBe(false);
  });

  it('works over HTTP long-polling too', async () => {
    const a = await open(alice.token, ['polling']);
    const b = await open(bob.token, ['polling']);
    expect(a.io.engine.transport.name).toBe('polling');
    const { room } = await ack(a, 'room:create', { name: 'polling' });
    await ack(a, 'room:join', { roomId: room.id });
    await ack(b, 'room:join', { roomId: room.id });
    const got = nextEvent(b, 'message');
    const sent = await ack(a, 'message:send', { roomId: room.id, body: 'over xhr' });
    expect(await got).toEqual(sent.message);
  });

  it('group commit: concurrent writes are batched, each gets its own id, non-members are refused row by row', async () => {
    const a = await open(alice.token);
    const { room } = await ack(a, 'room:create', { name: 'batched' });
    const me = (await alice.client.get('/api/user')).body.user.username as string;
    const aliceId = Number(JSON.parse(atob(alice.token.split('.')[1])).sub);
    const bobId = Number(JSON.parse(atob(bob.token.split('.')[1])).sub);
    expect(me).toBe(alice.username);
    const writer = t.app.get(ChatMessageWriter);
    // 30 writes at once: 2 go out immediately, the rest queue and share batched INSERTs.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => writer.write({ roomId: room.id, authorId: i % 3 === 2 ? bobId : aliceId, body: `batch ${i}` })));
    results.forEach((r, i) => (i % 3 === 2 ? expect(r, `write ${i}`).toBeNull() : expect(r?.id, `write ${i}`).toBeGreaterThan(0)));
    const history = await alice.client.get(`/api/chat/rooms/${room.id}/messages?limit=100`);
    const byId = new Map(history.body.messages.map((m: { id: number; body: string }) => [m.id, m.body]));
    expect(byId.size).toBe(20);
    results.forEach((r, i) => r && expect(byId.get(r.id)).toBe(`batch ${i}`));
  });

  it('exposes chat metrics', async () => {
    const res = await fetch(`${t.url}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/chat_socket_connections \d+/);
    expect(text).toMatch(/chat_messages_total\{outcome="stored"\} \d+/);
    expect(text).toContain('chat_delivery_errors_total');
  });

  it('keeps a message log helper honest', () => {
    const log = new MessageLog();
    log.addAll([
      { id: 3, body: 'x', roomId: 1 },
      { id: 3, body: 'x', roomId: 1 },
    ]);
    expect(log.byId.size).toBe(1);
    expect(log.lastId).toBe(3);
  });
});
