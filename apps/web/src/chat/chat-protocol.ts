import type { ChatMessage, ChatRoom } from './chat-types.js';

/**
 * How the web app reads the chat gateway's payloads. The event names and wire shapes are the
 * shared protocol in libs/contracts (also used by the gateway and the load tests); everything else
 * in the web app works with ChatMessage/ChatRoom.
 */
export { CHAT_EVENTS, CHAT_NAMESPACE, newClientId } from '@conduit/contracts';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null ? (v as Raw) : {});

export function toChatMessage(raw: unknown): ChatMessage {
  const r = obj(raw);
  const author = obj(r.author ?? r.user);
  return {
    id: Number(r.id),
    roomId: Number(r.roomId ?? r.room_id),
    body: String(r.body ?? ''),
    createdAt: String(r.createdAt ?? ''),
    author: { username: String(author.username ?? r.username ?? '?'), image: (author.image as string | null) ?? null },
  };
}

export function toChatRoom(raw: unknown): ChatRoom {
  const r = obj(raw);
  return { id: Number(r.id), name: String(r.name ?? ''), joined: typeof r.joined === 'boolean' ? r.joined : undefined };
}

/** Usernames from a presence payload (strings or {username} objects). */
export function toUsernames(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : Array.isArray(obj(raw).users) ? (obj(raw).users as unknown[]) : Array.isArray(obj(raw).online) ? (obj(raw).online as unknown[]) : [];
  return [...new Set(list.map((u) => (typeof u === 'string' ? u : String(obj(u).username ?? ''))).filter(Boolean))].sort();
}

/** An acknowledgement is `{ ok: true, ... }`-like or `{ error }`; errors become thrown Errors. */
export function unwrapAck<T = Raw>(ack: unknown): T {
  const a = obj(ack);
  if (a.ok === false || a.errors || a.error) {
    const errors = obj(a.errors);
    const lines = Object.entries(errors).flatMap(([field, messages]) => (Array.isArray(messages) ? messages : [messages]).map((m) => `${field} ${String(m)}`));
    throw new Error(lines.join(', ') || (typeof a.error === 'string' ? a.error : String(a.code ?? 'request failed')));
  }
  return a as T;
}
