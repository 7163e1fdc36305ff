import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatMessageWriter } from '../../src/chat/chat-message.writer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';
import { ack, connectChat, deleteRedisKeys, nextEvent, type ChatClient } from './support/chat-client.js';

/**
 * The periodic sequence check: a message stored but never broadcast (what a Redis outage, a dead
 * instance or a lost resync signal leaves behind) is announced by the next room:head, sent by each
 * instance to its own sockets without Redis, and room:sync returns it from PostgreSQL. Asserted by
 * content, not timing: the test waits for the head that names the message.
 */
describe('chat room heads and sync (real PostgreSQL + Redis)', () => {
  let t: TestApp;
  let alice: { token: string; username: string; client: ApiClient };
  let bob: { token: string; username: string; client: ApiClient };
  const sockets: ChatClient[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ...CHAT_TEST_ENV, CHAT_ROOM_HEAD_INTERVAL_MS: '200' });
    const api = new ApiClient(t.url);
    alice = await api.actingAsNewUser('alice');
    bob = await api.actingAsNewUser('bob');
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('a message stored without a broadcast is announced by room:head and returned by room:sync', async () => {
    const a = await connectChat(t.url, { token: alice.token });
    const b = await connectChat(t.url, { token: bob.token });
    sockets.push(a, b);
    const { room } = await ack(a, 'room:create', { name: 'heads' });
    await ack(a, 'room:join', { roomId: room.id });
    const joined = await ack(b, 'room:join', { roomId: room.id });
    expect(joined).toMatchObject({ ok: true, messages: [], safeId: 0 });
    const first = await ack(a, 'message:send', { roomId: room.id, body: 'live' });

    // Stored, acknowledged to nobody's screen: written straight through the writer, never broadcast.
    const aliceId = first.message.author.id as number;
    const silent = await t.app.get(ChatMessageWriter).write({ roomId: room.id, authorId: aliceId, body: 'never broadcast' });
    const head = await nextEvent(b, 'room:head', (h: { roomId: number; lastId: number; safeId: number }) => h.roomId === room.id && h.lastId === silent!.id);
    // Just written: not yet past the settle time, so the safe id stays below it.
    expect(head.safeId).toBeLessThan(silent!.id);

    const synced = await ack(b, 'room:sync', { roomId: room.id, since: joined.safeId });
    expect(synced.ok).toBe(true);
    expect(synced.messages.map((m: { id: number; body: string }) => [m.id, m.body])).toEqual([
      [first.message.id, 'live'],
      [silent!.id, 'never broadcast'],
    ]);
    expect(synced.safeId).toBeLessThan(silent!.id);
  });

  it('room:sync is for rooms this socket joined, with a valid cursor', async () => {
    const a = await connectChat(t.url, { token: alice.token });
    sockets.push(a);
    const { room } = await ack(a, 'room:create', { name: 'heads-auth' });
    expect(await ack(a, 'room:sync', { roomId: room.id, since: 0 })).toMatchObject({ ok: false, code: 'forbidden' });
    await ack(a, 'room:join', { roomId: room.id });
    expect(await ack(a, 'room:sync', { roomId: room.id, since: -1 })).toMatchObject({ ok: false, code: 'invalid' });
    expect(await ack(a, 'room:sync', { roomId: room.id, since: 0 })).toMatchObject({ ok: true, messages: [], hasMore: false });
  });
});
