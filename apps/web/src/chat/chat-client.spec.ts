import { describe, expect, it } from 'vitest';
import { ChatClient, type ChatSocket } from './chat-client.js';
import { CHAT_EVENTS } from './chat-protocol.js';
import type { ChatMessage } from './chat-types.js';

/** A socket that records emits and lets the test play the server. */
class FakeSocket implements ChatSocket {
  active = true;
  private readonly handlers = new Map<string, Array<(...args: any[]) => void>>();
  readonly emitted: Array<[string, unknown]> = [];
  answer: (event: string, payload: any) => unknown = () => ({});

  on(event: string, listener: (...args: any[]) => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
  }
  emit(event: string, payload?: unknown) {
    this.emitted.push([event, payload]);
  }
  timeout() {
    return {
      emitWithAck: async (event: string, payload: unknown) => {
        this.emitted.push([event, payload]);
        return this.answer(event, payload);
      },
    };
  }
  connect() {}
  disconnect() {}
  server(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
}

const raw = (id: number, author = 'bob') => ({ id, roomId: 1, body: `m${id}`, createdAt: new Date(1_700_000_000_000 + id).toISOString(), author: { username: author, image: null } });
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const socket = new FakeSocket();
  const stored: ChatMessage[] = [];
  const store = (n: number) => {
    for (let i = 1; i <= n; i++) stored.push(raw(stored.length + 1) as ChatMessage);
  };
  const historyCalls: Array<{ before?: number; limit: number }> = [];
  const history = async (_room: number, q: { before?: number; limit: number }) => {
    historyCalls.push(q);
    return stored
      .filter((m) => q.before === undefined || m.id < q.before)
      .sort((a, b) => b.id - a.id)
      .slice(0, q.limit);
  };
  let n = 0;
  let replayMax = 500;
  const setReplayMax = (max: number) => {
    replayMax = max;
  };
  const client = new ChatClient({ socket, history, me: 'alice', pageSize: 5, newClientId: () => `c${++n}` });
  socket.answer = (event, payload) => {
    if (event === CHAT_EVENTS.listRooms) return { rooms: [{ id: 1, name: 'general' }] };
    if (event === CHAT_EVENTS.join) {
      // Like the gateway: newest 50 (oldest first) without `since`; else up to `replayMax` after it.
      const after = payload.since === undefined ? stored.slice(-50) : stored.filter((m) => m.id > payload.since);
      const messages = payload.since === undefined ? after : after.slice(0, replayMax);
      return {
        ok: true,
        room: { id: 1, name: 'general', joined: true },
        messages,
        hasMore: after.length > messages.length,
        safeId: stored.length,
        users: [
          { id: 1, username: 'alice' },
          { id: 2, username: 'bob' },
        ],
      };
    }
    if (event === CHAT_EVENTS.sync) {
      const after = stored.filter((m) => m.id > payload.since);
      return { ok: true, messages: after.slice(0, replayMax), hasMore: after.length > replayMax, safeId: stored.length };
    }
    if (event === CHAT_EVENTS.send) {
      store(1);
      return { ok: true, message: { ...stored[stored.length - 1], body: payload.body, author: { id: 1, username: 'alice' } } };
    }
    return {};
  };
  return { socket, client, store, stored, historyCalls, setReplayMax };
}

describe('ChatClient', () => {
  it('shows the connection status as it changes', async () => {
    const { socket, client } = setup();
    expect(client.getState().status).toBe('connecting');
    socket.server('connect');
    await flush();
    expect(client.getState()).toMatchObject({ status: 'online', rooms: [{ id: 1, name: 'general' }] });
    socket.server('disconnect', 'transport close');
    expect(client.getState().status).toBe('reconnecting');
    socket.active = false;
    socket.server('connect_error', new Error('invalid token'));
    expect(client.getState()).toMatchObject({ status: 'offline', detail: 'invalid token' });
  });

  it('opens a room with presence and the newest page, then scrolls back by cursor', async () => {
    const { socket, client, store, historyCalls } = setup();
    store(57);
    socket.server('connect');
    await client.openRoom(1);
    expect(client.room(1)).toMatchObject({ joined: true, presence: ['alice', 'bob'], hasOlder: true });
    expect(client.room(1).messages.map((m) => m.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 8));
    await client.loadOlder(1);
    await client.loadOlder(1);
    expect(historyCalls).toEqual([
      { before: 8, limit: 5 },
      { before: 3, limit: 5 },
    ]);
    expect(client.room(1).messages.map((m) => m.id)).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(client.room(1).hasOlder).toBe(false);
    await client.loadOlder(1);
    expect(historyCalls).toHaveLength(2);
  });

  it('a small room has nothing older to load', async () => {
    const { socket, client, store } = setup();
    store(3);
    socket.server('connect');
    await client.openRoom(1);
    expect(client.room(1).hasOlder).toBe(false);
  });

  it('loses no message across a reconnect and shows each once', async () => {
    const { socket, client, store, stored } = setup();
    store(3);
    socket.server('connect');
    await client.openRoom(1);
    socket.server(CHAT_EVENTS.message, raw(3)); // duplicate of history
    socket.server('disconnect', 'transport close');
    store(8); // sent by others while we were away: ids 4..11
    socket.server('connect');
    await flush();
    await flush();
    // the live broadcast of the last one also arrives (connection-state recovery replay)
    socket.server(CHAT_EVENTS.message, raw(11));
    const ids = client.room(1).messages.map((m) => m.id);
    expect(ids).toEqual(stored.map((m) => m.id));
    expect(client.getState()).toMatchObject({ status: 'online', recovered: 8 });
    const joins = socket.emitted.filter(([e]) => e === CHAT_EVENTS.join).map(([, p]) => p);
    expect(joins).toEqual([{ roomId: 1 }, { roomId: 1, since: 3 }]);
  });

  it('after a server resync (Redis outage), re-joins from before lostAt and recovers what never arrived live', async () => {
    const { socket, client, store, stored } = setup();
    store(3);
    socket.server('connect');
    await client.openRoom(1);
    store(4); // ids 4..7 posted on another instance while cross-instance delivery was down
    // lostAt - 5 s skew margin falls between messages 2 and 3 (raw() dates are base + id ms)
    socket.server(CHAT_EVENTS.resync, { reason: 'redis_recovered', lostAt: new Date(1_700_000_000_000 + 3 + 5_000).toISOString() });
    await flush();
    await flush();
    expect(client.room(1).messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    expect(client.getState().recovered).toBe(4);
    const joins = socket.emitted.filter(([e]) => e === CHAT_EVENTS.join).map(([, p]) => p);
    expect(joins).toEqual([{ roomId: 1 }, { roomId: 1, since: 2 }]);
  });

  it('pages the rest through REST history when the replay is capped', async () => {
    const { socket, client, store, stored, historyCalls, setReplayMax } = setup();
    store(2);
    socket.server('connect');
    await client.openRoom(1);
    socket.server('disconnect', 'ping timeout');
    store(23); // ids 3..25 while away; the server replays only 4 of them
    setReplayMax(4);
    socket.server('connect');
    await flush();
    await flush();
    await flush();
    expect(client.room(1).messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    expect(client.getState().recovered).toBe(23);
    // paged back from the newest until the last replayed id (6): 25..21, 20..16, 15..11, 10..6
    expect(historyCalls.map((c) => c.before)).toEqual([undefined, 21, 16, 11]);
  });

  it('leaves a room: membership ends and it is not re-joined on reconnect', async () => {
    const { socket, client } = setup();
    socket.server('connect');
    await flush();
    await client.openRoom(1);
    await client.leaveRoom(1);
    expect(client.room(1).joined).toBe(false);
    expect(client.getState().rooms).toEqual([{ id: 1, name: 'general', joined: false }]);
    socket.server('disconnect', 'transport close');
    socket.server('connect');
    await flush();
    expect(socket.emitted.filter(([e]) => e === CHAT_EVENTS.join)).toHaveLength(1);
    expect(socket.emitted.filter(([e]) => e === CHAT_EVENTS.leave).map(([, p]) => p)).toEqual([{ roomId: 1 }]);
  });

  it('goes offline when the server ends an expired session', () => {
    const { socket, client } = setup();
    socket.server('connect');
    socket.server(CHAT_EVENTS.sessionExpired, { errors: { token: ['token expired'] } });
    expect(client.getState()).toMatchObject({ status: 'offline', detail: 'your session expired: sign in again' });
  });

  it('shows my message at once and replaces it with the stored one on ack', async () => {
    const { socket, client } = setup();
    socket.server('connect');
    await client.openRoom(1);
    const sending = client.send(1, 'hello');
    expect(client.room(1).messages.at(-1)).toMatchObject({ body: 'hello', state: 'pending', clientId: 'c1' });
    await sending;
    expect(client.room(1).messages).toHaveLength(1);
    expect(client.room(1).messages[0]).toMatchObject({ id: 1, body: 'hello', author: { username: 'alice' } });
    expect(client.room(1).messages[0].state).toBeUndefined();
    expect(socket.emitted.find(([e]) => e === CHAT_EVENTS.send)?.[1]).toEqual({ roomId: 1, body: 'hello', clientId: 'c1' });
  });

  it('resends with the same client id when the ack is lost, and shows the message once', async () => {
    const { socket, client, stored } = setup();
    socket.server('connect');
    await client.openRoom(1);
    const server = socket.answer;
    let attempts = 0;
    socket.answer = (event, payload) => {
      if (event !== CHAT_EVENTS.send) return server(event, payload);
      // The first attempt is stored, but its ack never arrives; the resend is answered with the stored message.
      if (++attempts === 1) {
        server(event, payload);
        throw new Error('operation has timed out');
      }
      return { ok: true, replayed: true, message: { ...stored[stored.length - 1], body: payload.body, author: { id: 1, username: 'alice' } } };
    };
    await client.send(1, 'hello');
    const sends = socket.emitted.filter(([e]) => e === CHAT_EVENTS.send).map(([, p]) => p);
    expect(sends).toEqual([
      { roomId: 1, body: 'hello', clientId: 'c1' },
      { roomId: 1, body: 'hello', clientId: 'c1' },
    ]);
    expect(stored).toHaveLength(1);
    expect(client.room(1).messages).toHaveLength(1);
    expect(client.room(1).messages[0]).toMatchObject({ id: 1, body: 'hello' });
    expect(client.room(1).messages[0].state).toBeUndefined();
  });

  it('a message stored but never delivered live (no resync signal either) is recovered on the next room:head', async () => {
    const { socket, client, store } = setup();
    store(3);
    socket.server('connect');
    await client.openRoom(1);
    socket.server(CHAT_EVENTS.head, { roomId: 1, lastId: 3, safeId: 3 });
    await flush();
    expect(socket.emitted.filter(([e]) => e === CHAT_EVENTS.sync)).toHaveLength(0); // not behind: no sync
    // Messages 4 and 5 are stored while live delivery is broken; the head shows 5. A head may be missed too: the next one tells the same.
    store(2);
    socket.server(CHAT_EVENTS.head, { roomId: 1, lastId: 5, safeId: 3 });
    await flush();
    await flush();
    socket.server(CHAT_EVENTS.head, { roomId: 1, lastId: 5, safeId: 5 });
    await flush();
    await flush();
    const syncs = socket.emitted.filter(([e]) => e === CHAT_EVENTS.sync).map(([, p]) => p);
    expect(syncs).toEqual([{ roomId: 1, since: 3 }]); // once: the reply moved the cursor to 5
    expect(client.room(1).messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(client.getState().recovered).toBe(2);
  });

  it('marks a rejected message as failed with the reason', async () => {
    const { socket, client } = setup();
    socket.server('connect');
    await client.openRoom(1);
    socket.answer = () => ({ ok: false, code: 'invalid', errors: { body: ['is too long (maximum is 2000 characters)'] } });
    await client.send(1, 'x'.repeat(3000));
    expect(client.room(1).messages[0].state).toBe('failed');
    expect(client.room(1).error).toBe('not sent: body is too long (maximum is 2000 characters)');
  });

  it('tracks typing from others and clears it when their message arrives', async () => {
    const { socket, client } = setup();
    socket.server('connect');
    socket.server(CHAT_EVENTS.typing, { roomId: 1, user: { id: 2, username: 'bob' } });
    socket.server(CHAT_EVENTS.typing, { roomId: 1, user: { id: 1, username: 'alice' } }); // myself: ignored
    expect(client.room(1).typing).toEqual(['bob']);
    socket.server(CHAT_EVENTS.message, raw(1, 'bob'));
    expect(client.room(1).typing).toEqual([]);
    socket.server(CHAT_EVENTS.presence, { roomId: 1, users: [{ username: 'carol' }, 'bob'] });
    expect(client.room(1).presence).toEqual(['bob', 'carol']);
    client.close();
  });
});
