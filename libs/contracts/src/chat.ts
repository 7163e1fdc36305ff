/**
 * The chat protocol on the Socket.IO `/chat` namespace: event names and wire shapes, shared by the
 * gateway (apps/api/src/chat), the web client (apps/web/src/chat) and the load tests
 * (load-tests/shared/chat-protocol.ts). No imports, so every consumer (NodeNext, Vite, esbuild for
 * k6) can load it as it is. Acks are `{ ok: true, ... }` or `{ ok: false, code, errors }`.
 */
export const CHAT_NAMESPACE = '/chat';

export const CHAT_EVENTS = {
  /** -> {rooms} */
  listRooms: 'rooms:list',
  /** {name} -> {room} */
  createRoom: 'room:create',
  /** {roomId, since?} -> {room, messages (oldest first), hasMore, users, safeId}; with `since`, every later message. */
  join: 'room:join',
  /** Ends membership (not just "stop looking at the room"). */
  leave: 'room:leave',
  /**
   * {roomId, body, clientId} -> {message, replayed}; the broadcast goes to the other sockets only.
   * clientId (newClientId()) makes a resend idempotent: the same clientId again (after a lost ack)
   * stores nothing and answers with the message stored the first time (`replayed: true`).
   */
  send: 'message:send',
  /** out: {roomId}; in: {roomId, user: {id, username}} (volatile). */
  typing: 'typing',
  /** {roomId} -> {users} */
  getPresence: 'presence:get',
  /** Server -> the other room members: a ChatMessageView. */
  message: 'message',
  /** Server -> room members: {roomId, users: [{id, username}]} */
  presence: 'presence',
  /** Server -> one socket whose token expired: {errors}; it is disconnected next. */
  sessionExpired: 'session:expired',
  /** Server -> everyone: {reason, lostAt}: cross-instance delivery was down (Redis outage); re-join from before lostAt. */
  resync: 'resync',
  /**
   * Server -> the room's members on each instance, every few seconds, sent without Redis:
   * {roomId, lastId, safeId}. A client whose sync cursor is below lastId syncs (below). The cursor
   * check needs no outage signal, so a missed resync (or a gap nobody noticed) cannot lose a message.
   */
  head: 'room:head',
  /**
   * {roomId, since} -> {messages (oldest first, after since), hasMore, safeId}: catch-up from
   * PostgreSQL for a room this socket joined. Every message up to safeId is committed and, with
   * the reply, held by the client: its next cursor.
   */
  sync: 'room:sync',
} as const;

export type ChatEventName = (typeof CHAT_EVENTS)[keyof typeof CHAT_EVENTS];

export interface ChatRoomView {
  id: number;
  name: string;
  createdAt: string;
  joined: boolean;
}

export interface ChatMessageView {
  id: number;
  roomId: number;
  body: string;
  author: { id: number; username: string };
  createdAt: string;
  /** The sender's id for it: only in the sender's own acknowledgement. */
  clientId?: string;
}

/**
 * A new message id for `message:send` (a version 4 UUID). Uses the platform's crypto where there is
 * one (browsers, Node); k6 and insecure browser contexts without randomUUID fall back to
 * getRandomValues, then Math.random (uniqueness per author is all it needs).
 */
export function newClientId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface PresenceUser {
  id: number;
  username: string;
}

export type ChatErrorCode = 'invalid' | 'unauthorized' | 'not_found' | 'forbidden' | 'rate_limited' | 'unavailable' | 'conflict' | 'internal';

/** Every socket acknowledgement: `{ ok: true, ... }` or `{ ok: false, code, errors }` (RealWorld field errors). */
export type ChatAck<T extends object = object> = ({ ok: true } & T) | { ok: false; code: ChatErrorCode; errors: Record<string, string[]> };
