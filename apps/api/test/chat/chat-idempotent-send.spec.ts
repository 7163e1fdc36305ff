import { ApiClient } from '@conduit/testing';
import { newClientId } from '@conduit/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatMessageWriter } from '../../src/chat/chat-message.writer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';
import { ack, connectChat, deleteRedisKeys, type ChatClient } from './support/chat-client.js';

/**
 * Idempotent chat sends: a message's client id is unique per author, so a resend after a lost
 * acknowledgement (the same clientId again, any number of times, even concurrently with the first
 * attempt) stores nothing and is answered with the message stored the first time.
 */
describe('chat sends are idempotent per client id (real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let db: pg.Client;
  let alice: { token: string; username: string; client: ApiClient };
  let bob: { token: string; username: string; client: ApiClient };
  const sockets: ChatClient[] = [];
  const open = async (token: string) => {
    const s = await connectChat(t.url, { token });
    sockets.push(s);
    return s;
  };
  const stored = async (roomId: number) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_messages WHERE room_id = $1', [roomId])).rows[0].n;
  const roomWith = async (name: string, ...members: ChatClient[]) => {
    const { room } = await ack(members[0], 'room:create', { name });
    for (const s of members) expect((await ack(s, 'room:join', { roomId: room.id })).ok).toBe(true);
    return room.id as number;
  };

  beforeAll(async () => {
    t = await startTestApp(CHAT_TEST_ENV);
    db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    const api = new ApiClient(t.url);
    alice = await api.actingAsNewUser('alice');
    bob = await api.actingAsNewUser('bob');
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await db?.end();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('a resend with the same client id returns the original message and ack, and stores nothing new', async () => {
    const a = await open(alice.token);
    const roomId = await roomWith('resend', a);
    const clientId = newClientId();
    const first = await ack(a, 'message:send', { roomId, body: 'hello', clientId });
    expect(first).toMatchObject({ ok: true, replayed: false, message: { roomId, body: 'hello', clientId } });
    // The ack was lost; the client resends (a reconnect may even have moved it to another socket).
    const a2 = await open(alice.token);
    await ack(a2, 'room:join', { roomId });
    const again = await ack(a2, 'message:send', { roomId, body: 'hello', clientId });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await stored(roomId)).toBe(1);
    // A new client id is a new message.
    expect((await ack(a, 'message:send', { roomId, body: 'hello', clientId: newClientId() })).replayed).toBe(false);
    expect(await stored(roomId)).toBe(2);
  });

  it('a resend storm, concurrent with the first attempt, stores the message once and acks every attempt with its id', async () => {
    const a = await open(alice.token);
    const roomId = await roomWith('storm', a);
    const clientIds = Array.from({ length: 4 }, () => newClientId());
    // 4 messages x 4 attempts at once: attempts share group-commit batches (same statement) or race across them.
    const acks = await Promise.all(clientIds.flatMap((clientId, m) => Array.from({ length: 4 }, () => ack(a, 'message:send', { roomId, body: `m${m}`, clientId }))));
    expect(acks.every((x) => x.ok)).toBe(true);
    for (const [m, clientId] of clientIds.entries()) {
      const mine = acks.filter((x) => x.message.clientId === clientId);
      expect(mine).toHaveLength(4);
      expect(new Set(mine.map((x) => x.message.id)).size).toBe(1);
      expect(mine.filter((x) => !x.replayed)).toHaveLength(1);
      expect(mine.every((x) => x.message.body === `m${m}`)).toBe(true);
    }
    expect(await stored(roomId)).toBe(4);
  });

  it('the same client id in one batch of the writer, and from another author, behaves per author', async () => {
    const a = await open(alice.token);
    const b = await open(bob.token);
    const roomId = await roomWith('per-author', a, b);
    const ids = (await db.query<{ id: number; username: string }>('SELECT id, username FROM users WHERE username = ANY($1)', [[alice.username, bob.username]])).rows;
    const aliceId = ids.find((u) => u.username === alice.username)!.id;
    const bobId = ids.find((u) => u.username === bob.username)!.id;
    const clientId = newClientId();
    const writer = t.app.get(ChatMessageWriter);
    const results = await Promise.all([
      writer.write({ roomId, authorId: aliceId, body: 'x', clientId }),
      writer.write({ roomId, authorId: aliceId, body: 'x', clientId }),
      writer.write({ roomId, authorId: aliceId, body: 'x', clientId }),
      writer.write({ roomId, authorId: bobId, body: 'y', clientId }),
    ]);
    expect(results.every((r) => r !== null)).toBe(true);
    expect(new Set(results.slice(0, 3).map((r) => r!.id)).size).toBe(1);
    expect(results.slice(0, 3).filter((r) => !r!.replayed)).toHaveLength(1);
    expect(results[3]!.id).not.toBe(results[0]!.id);
    expect(results[3]!.replayed).toBe(false);
    expect(await stored(roomId)).toBe(2);
  });

  it('refuses a client id that is not a UUID; messages without one are still accepted (older clients)', async () => {
    const a = await open(alice.token);
    const roomId = await roomWith('validation', a);
    expect(await ack(a, 'message:send', { roomId, body: 'x', clientId: 'not-a-uuid' })).toEqual({ ok: false, code: 'invalid', errors: { clientId: ['must be a UUID'] } });
    expect((await ack(a, 'message:send', { roomId, body: 'no id' })).ok).toBe(true);
    expect((await ack(a, 'message:send', { roomId, body: 'no id' })).ok).toBe(true);
    expect(await stored(roomId)).toBe(2);
  });
});
