// What a chat user says on the /chat namespace (apps/api/src/chat/chat.gateway.ts), and how a
// load client recognises its own messages to time their delivery.
//
// Before the run, one signed-in user makes sure the load-test rooms exist over REST
// (POST /api/chat/rooms, GET /api/chat/rooms); then each chat user connects with
// auth {token}, `room:join {roomId}` (ack {ok:true,...}), and sends `message:send {roomId, body, clientId}`
// every few seconds (ack {ok:true, message}); other members receive `message` events.

import type { HttpCall } from './journeys.ts';

// Event names: the shared chat protocol (a relative .ts path, so k6's bundler and both tsconfigs load it as is).
export { CHAT_EVENTS } from '../../libs/contracts/src/chat.ts';
import { newClientId } from '../../libs/contracts/src/chat.ts';

/** Room names the load test uses; users spread over them so each room has several members. */
export function chatRoomNames(rooms: number): string[] {
  return Array.from({ length: rooms }, (_, i) => `loadtest-room-${i + 1}`);
}

/** Index into chatRoomNames for virtual user n. */
export function chatRoomIndex(vu: number, rooms: number): number {
  return (vu - 1) % rooms;
}

export function createRoomCall(name: string): HttpCall {
  return { method: 'POST', path: '/api/chat/rooms', body: { room: { name } }, auth: true };
}
/** 201 created, 422 when it already exists (name taken). */
export const CREATE_ROOM_OK = [201, 422] as const;

export function listRoomsCall(): HttpCall {
  return { method: 'GET', path: '/api/chat/rooms', auth: true };
}

/** Room ids by name from GET /api/chat/rooms; throws naming any room that is missing. */
export function roomIdsFromList(names: readonly string[], body: unknown): number[] {
  const rooms = (body as { rooms?: Array<{ id: number; name: string }> })?.rooms ?? [];
  return names.map((name) => {
    const room = rooms.find((r) => r.name === name);
    if (!room) throw new Error(`chat room "${name}" is missing after creation (GET /api/chat/rooms)`);
    return room.id;
  });
}

export function chatJoinArgs(roomId: number): unknown[] {
  return [{ roomId }];
}

/** Every message gets its own client id (idempotent sends: a resend would reuse it). */
export function chatSendArgs(roomId: number, body: string, clientId: string = newClientId()): unknown[] {
  return [{ roomId, body, clientId }];
}

/** An acknowledgement's verdict: `{ ok: true, ... }` or `{ ok: false, code, errors }`. */
export function ackError(args: readonly unknown[]): string | null {
  const a = args[0] as { ok?: unknown; code?: unknown } | undefined;
  return a?.ok === true ? null : String(a?.code ?? 'malformed ack');
}

/** The message text inside a received `message` event. */
export function messageFromEvent(args: readonly unknown[]): unknown {
  return (args[0] as { body?: unknown } | undefined)?.body;
}

/** Message body carrying who sent it and when (ms since epoch, the load generator's clock). */
export function chatMessageBody(vu: number, seq: number, sentAtMs: number): string {
  return `lt:${vu}:${seq}:${sentAtMs}`;
}

/** The sender and send time of a load-test message, or null for anything else. */
export function parseChatMessageBody(body: unknown): { vu: number; seq: number; sentAtMs: number } | null {
  if (typeof body !== 'string') return null;
  const m = /^lt:(\d+):(\d+):(\d+)$/.exec(body);
  return m ? { vu: Number(m[1]), seq: Number(m[2]), sentAtMs: Number(m[3]) } : null;
}
