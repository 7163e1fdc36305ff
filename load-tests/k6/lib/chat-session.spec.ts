// The k6 chat journey cannot run here (no k6 binary): this drives its WebSocket callback with a
// scripted socket standing in for k6/ws, and checks what it sends back frame by frame.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const added: Record<string, number[]> = {};
const checks: Array<{ name: string; ok: boolean }> = [];
vi.mock('k6', () => ({
  check: (val: unknown, sets: Record<string, (v: unknown) => boolean>) => {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
      const ok = !!fn(val);
      checks.push({ name, ok });
      all &&= ok;
    }
    return all;
  },
  sleep: () => {},
}));
vi.mock('k6/metrics', () => {
  class Metric {
    constructor(readonly name: string) {}
    add(v: number) {
      (added[this.name] ??= []).push(v);
    }
  }
  return { Trend: Metric, Counter: Metric };
});

interface FakeSocket {
  sent: string[];
  handlers: Record<string, (data?: string) => void>;
  intervals: Array<() => void>;
  timeouts: Array<{ fn: () => void; ms: number }>;
  closed: boolean;
}
let socket: FakeSocket;
vi.mock('k6/ws', () => ({
  default: {
    connect: (_url: string, _params: unknown, cb: (s: unknown) => void) => {
      cb({
        send: (m: string) => socket.sent.push(m),
        on: (ev: string, fn: (data?: string) => void) => (socket.handlers[ev] = fn),
        setInterval: (fn: () => void) => socket.intervals.push(fn),
        setTimeout: (fn: () => void, ms: number) => socket.timeouts.push({ fn, ms }),
        close: () => (socket.closed = true),
      });
      return { status: 101 };
    },
  },
}));

const { runChatSession } = await import('./chat-session.ts');
const { resolveSettings } = await import('../../shared/settings.ts');

describe('k6 chat journey (scripted k6/ws socket)', () => {
  beforeEach(() => {
    socket = { sent: [], handlers: {}, intervals: [], timeouts: [], closed: false };
    for (const k of Object.keys(added)) delete added[k];
    checks.length = 0;
  });

  const settings = resolveSettings({ CHAT_SESSION: '30s' });
  const state = { vu: 3, iteration: 1, token: 'jwt', random: Math.random };

  it('speaks Engine.IO/Socket.IO: connect with auth, pong, join, periodic sends, delivery timing', () => {
    runChatSession(settings, state, [11, 12]);
    const recv = (frame: string) => socket.handlers.message(frame);
    recv('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
    expect(socket.sent.pop()).toBe('40/chat,{"token":"jwt"}');
    recv('40/chat,{"sid":"n"}');
    // vu 3 of 2 rooms -> room index 0 -> id 11, ack id 1
    expect(socket.sent.pop()).toBe('42/chat,1["room:join",{"roomId":11}]');
    expect(added.chat_connect_ms).toHaveLength(1);
    recv('2');
    expect(socket.sent.pop()).toBe('3');
    expect(socket.intervals).toHaveLength(0);
    recv('43/chat,1[{"ok":true,"room":{"id":11},"messages":[],"users":[]}]');
    expect(socket.intervals).toHaveLength(1);
    socket.intervals[0]();
    expect(socket.sent.pop()).toMatch(/^42\/chat,100\["message:send",\{"roomId":11,"body":"lt:3:1:\d+","clientId":"[0-9a-f-]{36}"\}\]$/);
    recv(`42/chat,["message",{"id":5,"roomId":11,"body":"lt:9:1:${Date.now() - 40}"}]`);
    recv(`42/chat,["message",{"id":6,"roomId":11,"body":"lt:3:1:${Date.now() - 40}"}]`); // own message: not a delivery
    expect(added.chat_delivery_ms).toHaveLength(1);
    expect(added.chat_delivery_ms[0]).toBeGreaterThanOrEqual(40);
    expect(added.chat_messages_received).toEqual([1]);
    // the session ends by itself after CHAT_SESSION
    expect(socket.timeouts.map((t) => t.ms)).toContain(30_000);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(added.journey_errors).toBeUndefined();
  });

  it('counts a refused namespace connect as a journey error and closes the socket', () => {
    runChatSession(settings, state, [11]);
    socket.handlers.message('44/chat,{"message":"invalid or expired token"}');
    expect(socket.closed).toBe(true);
    expect(added.journey_errors).toEqual([1]);
    expect(checks.some((c) => !c.ok)).toBe(true);
  });
});
