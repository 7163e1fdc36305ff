import { describe, expect, it } from 'vitest';
import type { ChatMessage } from './chat-types.js';
import { acknowledge, fetchMissed, lastConfirmedId, markFailed, mergeMessages, oldestConfirmedId } from './message-timeline.js';

const msg = (id: number, body = `m${id}`): ChatMessage => ({ id, roomId: 1, body, createdAt: new Date(1_700_000_000_000 + id * 1000).toISOString(), author: { username: 'alice', image: null } });
const pending = (clientId: string, body: string): ChatMessage => ({ id: -1, roomId: 1, body, createdAt: '', author: { username: 'me', image: null }, clientId, state: 'pending' });

describe('mergeMessages', () => {
  it('orders by id and drops duplicates from broadcast, ack and history', () => {
    const merged = mergeMessages([msg(3), msg(1)], [msg(2), msg(3), msg(1)]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('keeps our pending messages last until acknowledged', () => {
    let list = mergeMessages([msg(1)], [pending('c1', 'hello')]);
    list = mergeMessages(list, [msg(2)]);
    expect(list.map((m) => m.body)).toEqual(['m1', 'm2', 'hello']);
    list = acknowledge(list, 'c1', msg(3, 'hello'));
    expect(list.map((m) => [m.id, m.body, m.state])).toEqual([
      [1, 'm1', undefined],
      [2, 'm2', undefined],
      [3, 'hello', undefined],
    ]);
  });

  it('does not duplicate when the broadcast of our message arrives before its ack', () => {
    let list = mergeMessages([], [pending('c1', 'hi')]);
    list = mergeMessages(list, [msg(7, 'hi')]); // broadcast first
    list = acknowledge(list, 'c1', msg(7, 'hi'));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 7, body: 'hi' });
  });

  it('marks a send that was not acknowledged as failed', () => {
    const list = markFailed([msg(1), pending('c1', 'x')], 'c1');
    expect(list[1].state).toBe('failed');
    expect(list[0].state).toBeUndefined();
  });

  it('gives the reconnect and scroll-back cursors, ignoring pending messages', () => {
    const list = mergeMessages([msg(4), msg(9)], [pending('c', 'p')]);
    expect(lastConfirmedId(list)).toBe(9);
    expect(oldestConfirmedId(list)).toBe(4);
    expect(lastConfirmedId([pending('c', 'p')])).toBeNull();
  });
});

describe('fetchMissed', () => {
  // A room with messages 1..n; pages are newest first like GET /api/chat/rooms/:id/messages.
  function room(n: number) {
    const calls: Array<{ before?: number; limit: number }> = [];
    const page = async (q: { before?: number; limit: number }) => {
      calls.push(q);
      const ids = Array.from({ length: n }, (_, i) => n - i).filter((id) => q.before === undefined || id < q.before);
      return ids.slice(0, q.limit).map((id) => msg(id));
    };
    return { page, calls };
  }

  it('pages back until it reaches the last message seen before the disconnect', async () => {
    const { page, calls } = room(120);
    const { messages, complete } = await fetchMissed(page, 45, 50);
    expect(complete).toBe(true);
    expect(messages.map((m) => m.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 75 }, (_, i) => 46 + i));
    expect(calls).toEqual([
      { before: undefined, limit: 50 },
      { before: 71, limit: 50 },
    ]);
  });

  it('fetches one page when nothing was missed', async () => {
    const { page, calls } = room(10);
    expect((await fetchMissed(page, 10, 50)).messages).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('takes the newest page for a room seen empty', async () => {
    const { page } = room(80);
    const { messages, complete } = await fetchMissed(page, null, 50);
    expect(messages).toHaveLength(50);
    expect(complete).toBe(true);
  });

  it('stops after maxPages and says the result is incomplete', async () => {
    const { page, calls } = room(1000);
    const { messages, complete } = await fetchMissed(page, 1, 50, 3);
    expect(complete).toBe(false);
    expect(messages).toHaveLength(150);
    expect(calls).toHaveLength(3);
  });
});
