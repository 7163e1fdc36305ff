import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConnectedSocket, MessageBody, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { CHAT_EVENTS, CHAT_NAMESPACE } from '@conduit/contracts';
import { isDatabaseUnavailableError } from '@conduit/db';
import type { Namespace } from 'socket.io';
import type { z } from 'zod';
import type { AuthUser } from '@conduit/contracts';
import { TokenService, tokenFromHeader } from '../auth/token.service.js';
import { ChatPresenceService, type PresenceEntry } from './chat-presence.service.js';
import { ChatRoomHeads } from './chat-room-heads.js';
import { ChatSocketGuard, type ChatSocket } from './chat-socket.guard.js';
import { chatConnections, chatMessages } from './chat.metrics.js';
import { createRoomEvent, fieldErrors, joinRoomEvent, roomEvent, sendMessageEvent, syncRoomEvent, HISTORY_DEFAULT_LIMIT } from './chat.schemas.js';
import { ChatService } from './chat.service.js';
import { ChatError, type ChatAck } from './chat.types.js';

const roomKey = (roomId: number) => `room:${roomId}`;
const userKey = (userId: number) => `user:${userId}`;
const roomIdOf = (key: string) => (key.startsWith('room:') ? Number(key.slice(5)) : null);
const PRESENCE_COALESCE_MS = 250;

/**
 * Realtime chat on the `/chat` namespace. Clients authenticate in the handshake with the REST
 * API's JWT (`auth: { token }`), then:
 *   rooms:list, room:create {name}, room:join {roomId, since?}, room:leave {roomId},
 *   message:send {roomId, body, clientId?}, typing {roomId}, presence:get {roomId}
 * Every event answers through its acknowledgement (`{ ok: true, ... }` or `{ ok: false, code, errors }`)
 * and is authorized: a socket only posts to, hears from and sees presence of rooms it joined, and
 * joining requires membership (stored in PostgreSQL). Server events: message, typing, presence,
 * session:expired, resync {lostAt} (re-join rooms with `since` = last id received before lostAt). Tests: apps/api/test/chat/*.spec.ts.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() private nsp!: Namespace;
  private readonly logger = new Logger('ChatGateway');
  private heartbeat?: NodeJS.Timeout;
  private heartbeatRunning = false;
  private readonly presencePending = new Set<string>();

  constructor(
    private readonly tokens: TokenService,
    private readonly chat: ChatService,
    private readonly presence: ChatPresenceService,
    private readonly guard: ChatSocketGuard,
    private readonly heads: ChatRoomHeads,
  ) {}

  afterInit(nsp: Namespace): void {
    nsp.use((socket, next) => {
      this.authenticate(socket as ChatSocket).then(
        () => next(),
        (error: Error) => next(error),
      );
    });
    this.heartbeat = setInterval(() => void this.refreshPresence(), this.presence.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.heads.start(nsp);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.heads.stop();
  }

  /** Handshake authentication: a refused connection gets a connect_error with a clear reason. */
  private async authenticate(socket: ChatSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : tokenFromHeader(socket.handshake.headers.authorization);
    if (!token) throw connectError('a token is required: connect with auth: { token }');
    const user = await this.tokens.verify(token);
    if (!user) throw connectError('invalid or expired token');
    // A recovered session keeps its rooms: it must belong to the same user.
    if (socket.recovered && socket.data.user && socket.data.user.id !== user.id) throw connectError('session belongs to another user');
    socket.data.user = { id: user.id, username: user.username };
    socket.data.expiresAt = user.expiresAt;
  }

  handleConnection(socket: ChatSocket): void {
    chatConnections.inc();
    this.guard.attach(socket);
    void socket.join(userKey(socket.data.user.id));

    socket.on('disconnecting', () => {
      const entries = this.entriesOf(socket);
      void this.presence.remove(entries).then(() => entries.forEach((e) => this.schedulePresence(e.roomId)));
    });
    socket.on('error', () => {});

    // Connection-state recovery restored the rooms: announce presence again.
    if (socket.recovered) {
      const entries = this.entriesOf(socket);
      void this.presence.touch(entries).then(() => entries.forEach((e) => this.schedulePresence(e.roomId)));
    }
  }

  handleDisconnect(socket: ChatSocket): void {
    chatConnections.dec();
    this.guard.detach(socket);
  }

  @SubscribeMessage(CHAT_EVENTS.listRooms)
  listRooms(@ConnectedSocket() socket: ChatSocket): Promise<ChatAck> {
    return this.handle(socket, undefined, null, async (user) => ({ rooms: await this.chat.listRooms(user) }));
  }

  @SubscribeMessage(CHAT_EVENTS.createRoom)
  createRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, createRoomEvent, async (user, input) => ({ room: await this.chat.createRoom(user, input.name) }));
  }

  /**
   * Joins (membership is stored) and answers with what the client missed: with `since` (the last
   * message id it saw) every later message, else the latest page. The socket joins the room
   * BEFORE the replay query, so a message is either in the replay or arrives live (possibly
   * both: clients de-duplicate by id); none falls in between. Test: chat-multi-instance.spec.ts.
   */
  @SubscribeMessage(CHAT_EVENTS.join)
  joinRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, joinRoomEvent, async (user, input) => {
      const room = await this.chat.join(user, input.roomId);
      await socket.join(roomKey(room.id));
      await this.presence.touch([{ roomId: room.id, user, socketId: socket.id }]);
      const replay = input.since !== undefined ? await this.chat.replay(room.id, input.since) : { ...(await this.chat.latest(room.id, HISTORY_DEFAULT_LIMIT)), hasMore: false };
      const users = await this.presence.list(room.id);
      this.schedulePresence(room.id);
      return { room, messages: replay.messages, hasMore: replay.hasMore, safeId: replay.safeId, users: users ?? [] };
    });
  }

  @SubscribeMessage(CHAT_EVENTS.leave)
  leaveRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, roomEvent, async (user, input) => {
      await this.chat.leave(user, input.roomId);
      // All of the user's sockets, on every instance, stop receiving the room.
      this.nsp.in(userKey(user.id)).socketsLeave(roomKey(input.roomId));
      await this.presence.removeUser(input.roomId, user.id);
      this.schedulePresence(input.roomId);
      return {};
    });
  }

  /**
   * Persist, then broadcast; the ack carries the stored id and timestamp. A resend (same client id)
   * gets the stored message (`replayed: true`), stores nothing, and is broadcast again (receivers
   * de-duplicate by id). Test: apps/api/test/chat/chat-idempotent-send.spec.ts.
   */
  @SubscribeMessage(CHAT_EVENTS.send)
  sendMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(
      socket,
      body,
      sendMessageEvent,
      async (user, input) => {
        if (!this.guard.takeMessage(socket)) {
          throw new ChatError('rate_limited', { body: ['too many messages, slow down'] });
        }
        if (!socket.rooms.has(roomKey(input.roomId))) {
          chatMessages.inc({ outcome: 'forbidden' });
          throw new ChatError('forbidden', { room: ['join the room first'] });
        }
        const { message, replayed } = await this.chat.postMessage(user, input.roomId, input.body, input.clientId);
        chatMessages.inc({ outcome: replayed ? 'replayed' : 'stored' });
        // The sender's other sockets get it too; this socket has the ack.
        socket.to(roomKey(message.roomId)).emit(CHAT_EVENTS.message, message);
        return { message: input.clientId ? { ...message, clientId: input.clientId } : message, replayed };
      },
      () => chatMessages.inc({ outcome: 'invalid' }),
    );
  }

  /** Catch-up from PostgreSQL after the client's cursor (on room:head, reconnect, resync): see CHAT_EVENTS.sync. */
  @SubscribeMessage(CHAT_EVENTS.sync)
  syncRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, syncRoomEvent, async (_user, input) => {
      if (!socket.rooms.has(roomKey(input.roomId))) throw new ChatError('forbidden', { room: ['join the room first'] });
      return this.chat.replay(input.roomId, input.since);
    });
  }

  /** Typing indicators are volatile: never stored, dropped rather than queued for a slow client. */
  @SubscribeMessage(CHAT_EVENTS.typing)
  typing(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, roomEvent, async (user, input) => {
      if (!socket.rooms.has(roomKey(input.roomId))) throw new ChatError('forbidden', { room: ['join the room first'] });
      if (!this.guard.allowTyping(socket)) return {};
      socket.to(roomKey(input.roomId)).volatile.emit(CHAT_EVENTS.typing, { roomId: input.roomId, user });
      return {};
    });
  }

  @SubscribeMessage(CHAT_EVENTS.getPresence)
  getPresence(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, roomEvent, async (_user, input) => {
      if (!socket.rooms.has(roomKey(input.roomId))) throw new ChatError('forbidden', { room: ['join the room first'] });
      const users = await this.presence.list(input.roomId);
      if (!users) throw new ChatError('unavailable', { presence: ['presence is temporarily unavailable'] });
      return { users };
    });
  }

  /** Validation, token expiry and error mapping for every event: a handler never throws at the client. */
  private async handle<S extends z.ZodType | null, T extends object>(
    socket: ChatSocket,
    body: unknown,
    schema: S,
    run: (user: AuthUser, input: S extends z.ZodType ? z.infer<S> : undefined) => Promise<T>,
    onInvalid?: () => void,
  ): Promise<ChatAck> {
    if (this.guard.expireIfDue(socket)) return errorAck('unauthorized', { token: ['token expired'] });
    let input: unknown = undefined;
    if (schema) {
      const parsed = schema.safeParse(body ?? {});
      if (!parsed.success) {
        onInvalid?.();
        return errorAck('invalid', fieldErrors(parsed.error));
      }
      input = parsed.data;
    }
    try {
      return { ok: true, ...(await run(socket.data.user, input as never)) };
    } catch (error) {
      if (error instanceof ChatError) return errorAck(error.code, error.errors);
      if (isDatabaseUnavailableError(error)) return errorAck('unavailable', { server: ['the database is temporarily unavailable, please retry'] });
      this.logger.error(`chat event failed: ${(error as Error).message}`);
      return errorAck('internal', { server: ['internal error'] });
    }
  }

  private entriesOf(socket: ChatSocket): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const key of socket.rooms) {
      const roomId = roomIdOf(key);
      if (roomId !== null && socket.data.user) entries.push({ roomId, user: socket.data.user, socketId: socket.id });
    }
    return entries;
  }

  /**
   * Presence updates are coalesced per room (one broadcast per PRESENCE_COALESCE_MS at most):
   * otherwise N members joining a room send N x N growing lists (a reconnect storm after an
   * instance dies would be quadratic). Benchmarked by `npm run bench:chat` (1000 joins).
   */
  private schedulePresence(roomId: number, localOnly = false): void {
    const key = `${localOnly ? 'l' : 'g'}${roomId}`;
    if (this.presencePending.has(key)) return;
    this.presencePending.add(key);
    setTimeout(() => {
      this.presencePending.delete(key);
      void this.broadcastPresence(roomId, localOnly);
    }, PRESENCE_COALESCE_MS).unref();
  }

  private async broadcastPresence(roomId: number, localOnly: boolean): Promise<void> {
    const users = await this.presence.list(roomId);
    if (users && this.nsp) (localOnly ? this.nsp.local : this.nsp).to(roomKey(roomId)).emit(CHAT_EVENTS.presence, { roomId, users });
  }

  /**
   * Heartbeat: refresh this instance's presence entries, sweep expired ones (sockets of a dead
   * instance) and tell local members when someone vanished. Each instance notifies only its own
   * sockets, so no update is sent twice.
   */
  private async refreshPresence(): Promise<void> {
    if (this.heartbeatRunning || !this.nsp) return;
    this.heartbeatRunning = true;
    try {
      const entries: PresenceEntry[] = [];
      for (const socket of this.nsp.sockets.values()) entries.push(...this.entriesOf(socket as ChatSocket));
      await this.presence.touch(entries);
      const rooms = [...new Set(entries.map((e) => e.roomId))];
      const swept = await this.presence.sweep(rooms);
      for (const roomId of swept.keys()) this.schedulePresence(roomId, true);
    } finally {
      this.heartbeatRunning = false;
    }
  }
}

function connectError(message: string): Error {
  const error = new Error(message) as Error & { data: unknown };
  error.data = { errors: { token: [message] } };
  return error;
}

function errorAck(code: Extract<ChatAck, { ok: false }>['code'], errors: Record<string, string[]>): ChatAck {
  return { ok: false, code, errors };
}
