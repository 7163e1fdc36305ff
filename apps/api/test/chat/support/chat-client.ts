import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';

export type ChatClient = Socket;

export interface ConnectOptions {
  token?: string;
  transports?: ('websocket' | 'polling')[];
  origin?: string;
  /** Auto-reconnect (on by default, like a browser client). */
  reconnection?: boolean;
}

/** A socket.io-client on /chat; resolves once connected, rejects with the connect_error. */
export function connectChat(baseUrl: string, options: ConnectOptions = {}): Promise<ChatClient> {
  const socket = io(`${baseUrl}/chat`, {
    auth: options.token !== undefined ? { token: options.token } : {},
    transports: options.transports ?? ['websocket'],
    extraHeaders: options.origin ? { origin: options.origin } : undefined,
    reconnection: options.reconnection ?? true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1_000,
    timeout: 10_000,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

/** Emits with an acknowledgement (10 s timeout) and returns the ack payload. */
export function ack<T = any>(socket: ChatClient, event: string, payload?: unknown, timeoutMs = 10_000): Promise<T> {
  return payload === undefined ? socket.timeout(timeoutMs).emitWithAck(event) : socket.timeout(timeoutMs).emitWithAck(event, payload);
}

/** Resolves with the first `event` whose payload satisfies `match`. */
export function nextEvent<T = any>(socket: ChatClient, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out waiting for "${event}"`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every `message` event, de-duplicated by id (the client side of "no message lost"). */
export class MessageLog {
  readonly byId = new Map<number, { id: number; body: string; roomId: number }>();

  attach(socket: ChatClient): this {
    socket.on('message', (m: { id: number; body: string; roomId: number }) => this.byId.set(m.id, m));
    return this;
  }

  addAll(messages: { id: number; body: string; roomId: number }[]): void {
    for (const m of messages) this.byId.set(m.id, m);
  }

  get lastId(): number {
    return Math.max(0, ...this.byId.keys());
  }

  bodies(): Set<string> {
    return new Set([...this.byId.values()].map((m) => m.body));
  }
}

/** A token signed like TokenService does, with a chosen lifetime (the API's minimum TTL is 60 s). */
export function signToken(secret: string, user: { id: number; username: string }, ttlSeconds: number): Promise<string> {
  return new SignJWT({ username: user.username })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deletes a test's Redis keys (adapter stream, sessions, presence) by prefix. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
