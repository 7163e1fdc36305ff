import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { isDatabaseUnavailableError } from '@conduit/db';
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import { TokenService, tokenFromHeader, type AuthUser } from '../auth/token.service.js';
import { ChatPresenceService, type PresenceEntry } from './chat-presence.service.js';
import { chatConnections, chatForcedDisconnects, chatMessages } from './chat.metrics.js';
import { createRoomEvent, fieldErrors, joinRoomEvent, roomEvent, sendMessageEvent, HISTORY_DEFAULT_LIMIT } from './chat.schemas.js';
import { ChatService } from './chat.service.js';
import { ChatError, type ChatAck } from './chat.types.js';
import { TokenBucket } from './token-bucket.js';

interface SocketData {
  user: AuthUser;
  expiresAt: number;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Events = Record<string, (...args: any[]) => void>;
type ChatSocket = Socket<Events, Events, Events, SocketData>;

/** Per-socket protections, kept in memory: a socket lives on exactly one instance. */
interface SocketState {
  messages: TokenBucket;
  events: TokenBucket;
  rejectedInARow: number;
  lastTypingAt: number;
  expiryTimer?: NodeJS.Timeout;
  expiring?: boolean;
}

const roomKey = (roomId: number) => `room:${roomId}`;
const userKey = (userId: number) => `user:${userId}`;
const roomIdOf = (key: string) => (key.startsWith('room:') ? Number(key.slice(5)) : null);
const MAX_TIMER_MS = 2 ** 31 - 1;
const TYPING_MIN_INTERVAL_MS = 500;
const EXPIRY_NOTICE_MS = 1_000;
const PRESENCE_COALESCE_MS = 250;

/**
 * Realtime chat on the `/chat` namespace. Clients authenticate in the handshake with the REST
 * API's JWT (`auth: { token }`), then:
 *   rooms:list, room:create {name}, room:join {roomId, since?}, room:leave {roomId},
 *   message:send {roomId, body}, typing {roomId}, presence:get {roomId}
 * Every event answers through its acknowledgement (`{ ok: true, ... }` or `{ ok: false, code, errors }`)
 * and is authorized: a socket only posts to, hears from and sees presence of rooms it joined, and
 * joining requires membership (stored in PostgreSQL). Server events: message, typing, presence,
 * session:expired, resync {lostAt} (re-join rooms with `since` = last id received before lostAt). Tests: apps/api/test/chat/*.spec.ts.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() private nsp!: Namespace;
  private readonly logger = new Logger('ChatGateway');
  private readonly states = new Map<string, SocketState>();
  private heartbeat?: NodeJS.Timeout;
  private heartbeatRunning = false;
  private readonly presencePending = new Set<string>();

  constructor(
    private readonly tokens: TokenService,
    private readonly chat: ChatService,
    private readonly presence: ChatPresenceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(nsp: Namespace): void {
    nsp.use((socket, next) => {
      this.authenticate(socket as ChatSocket).then(() => next(), (error: Error) => next(error));
    });
    // After a Redis outage, clients re-join their rooms with `since` = the last id they got before
    // `lostAt` (minus a margin for clock skew between this instance and PostgreSQL).
    this.presence.onRedisRecovered((lostAt) => {
      this.logger.warn('redis is back: asking local clients to resync');
      nsp.local.emit('resync', { reason: 'redis_recovered', lostAt: new Date(lostAt).toISOString() });
    });
    this.heartbeat = setInterval(() => void this.refreshPresence(), this.presence.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
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
    const { messages, events } = this.limits();
    const state: SocketState = { messages, events, rejectedInARow: 0, lastTypingAt: 0 };
    this.states.set(socket.id, state);
    void socket.join(userKey(socket.data.user.id));
    this.scheduleExpiry(socket, state);

    // Every incoming packet spends from a per-socket budget; a client that floods is disconnected
    // alone (its own socket), everyone else is unaffected. Test: chat-security.spec.ts.
    socket.use((packet, next) => {
      if (state.events.take()) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') ack(errorAck('rate_limited', { events: ['too many events, slow down'] }));
      if (++state.rejectedInARow > 50) this.forceDisconnect(socket, 'flood');
    });

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
    const state = this.states.get(socket.id);
    if (state?.expiryTimer) clearTimeout(state.expiryTimer);
    this.states.delete(socket.id);
  }

  @SubscribeMessage('rooms:list')
  listRooms(@ConnectedSocket() socket: ChatSocket): Promise<ChatAck> {
    return this.handle(socket, undefined, null, async (user) => ({ rooms: await this.chat.listRooms(user) }));
  }

  @SubscribeMessage('room:create')
  createRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, createRoomEvent, async (user, input) => ({ room: await this.chat.createRoom(user, input.name) }));
  }

  /**
   * Joins (membership is stored) and answers with what the client missed: with `since` (the last
   * message id it saw) every later message, else the latest page. The socket joins the room
   * BEFORE the replay query, so a message is either in the replay or arrives live (possibly
   * both: clients de-duplicate by id); none falls in between. Test: chat-multi-instance.spec.ts.
   */
  @SubscribeMessage('room:join')
  joinRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, joinRoomEvent, async (user, input) => {
      const room = await this.chat.join(user, input.roomId);
      await socket.join(roomKey(room.id));
      await this.presence.touch([{ roomId: room.id, user, socketId: socket.id }]);
      const replay = input.since !== undefined ? await this.chat.replay(room.id, input.since) : { messages: await this.chat.latest(room.id, HISTORY_DEFAULT_LIMIT), hasMore: false };
      const users = await this.presence.list(room.id);
      this.schedulePresence(room.id);
      return { room, messages: replay.messages, hasMore: replay.hasMore, users: users ?? [] };
    });
  }

  @SubscribeMessage('room:leave')
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

  /** Persist, then broadcast; the ack carries the stored id and timestamp. */
  @SubscribeMessage('message:send')
  sendMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, sendMessageEvent, async (user, input) => {
      const state = this.states.get(socket.id);
      if (state && !state.messages.take()) {
        chatMessages.inc({ outcome: 'rate_limited' });
        // A client that ignores rate_limited acks for twice its burst is flooding: cut it off.
        if (++state.rejectedInARow > 2 * this.config.CHAT_MESSAGE_BURST) this.forceDisconnect(socket, 'message_rate');
        throw new ChatError('rate_limited', { body: [`too many messages (limit ${this.config.CHAT_MESSAGE_RATE_PER_SECOND}/s)`] });
      }
      if (state) state.rejectedInARow = 0;
      if (!socket.rooms.has(roomKey(input.roomId))) {
        chatMessages.inc({ outcome: 'forbidden' });
        throw new ChatError('forbidden', { room: ['join the room first'] });
      }
      const message = await this.chat.postMessage(user, input.roomId, input.body);
      chatMessages.inc({ outcome: 'stored' });
      // The sender's other sockets get it too; this socket has the ack.
      socket.to(roomKey(input.roomId)).emit('message', message);
      return { message };
    }, () => chatMessages.inc({ outcome: 'invalid' }));
  }

  /** Typing indicators are volatile: never stored, dropped rather than queued for a slow client. */
  @SubscribeMessage('typing')
  typing(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return this.handle(socket, body, roomEvent, async (user, input) => {
      if (!socket.rooms.has(roomKey(input.roomId))) throw new ChatError('forbidden', { room: ['join the room first'] });
      const state = this.states.get(socket.id);
      const now = Date.now();
      if (state && now - state.lastTypingAt < TYPING_MIN_INTERVAL_MS) return {};
      if (state) state.lastTypingAt = now;
      socket.to(roomKey(input.roomId)).volatile.emit('typing', { roomId: input.roomId, user });
      return {};
    });
  }

  @SubscribeMessage('presence:get')
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
    if (Date.now() >= socket.data.expiresAt) {
      this.expire(socket);
      return errorAck('unauthorized', { token: ['token expired'] });
    }
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

  private limits() {
    const rate = this.config.CHAT_MESSAGE_RATE_PER_SECOND;
    const burst = this.config.CHAT_MESSAGE_BURST;
    return {
      messages: new TokenBucket(rate, burst),
      // All events (typing, joins, lists): generous, only floods hit it.
      events: new TokenBucket(Math.max(20, rate * 4), Math.max(60, burst * 3)),
    };
  }

  /** A token that expires mid-connection ends the connection (the client must reconnect with a new one). */
  private scheduleExpiry(socket: ChatSocket, state: SocketState): void {
    const delay = socket.data.expiresAt - Date.now();
    state.expiryTimer = setTimeout(() => {
      if (Date.now() >= socket.data.expiresAt) this.expire(socket);
      else this.scheduleExpiry(socket, state);
    }, Math.max(0, Math.min(delay, MAX_TIMER_MS)));
    state.expiryTimer.unref();
  }

  private expire(socket: ChatSocket): void {
    const state = this.states.get(socket.id);
    if (!socket.connected || !state || state.expiring) return;
    state.expiring = true;
    chatForcedDisconnects.inc({ reason: 'token_expired' });
    // With connection-state recovery every emit goes through the adapter (asynchronously), so the
    // notice needs a moment before the disconnect packet; meanwhile handle() refuses all events.
    socket.emit('session:expired', { errors: { token: ['token expired'] } });
    setTimeout(() => socket.disconnect(true), EXPIRY_NOTICE_MS).unref();
  }

  private forceDisconnect(socket: ChatSocket, reason: string): void {
    if (!socket.connected) return;
    chatForcedDisconnects.inc({ reason });
    this.logger.warn(`disconnecting socket of user ${socket.data.user?.id}: ${reason}`);
    socket.disconnect(true);
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
    if (users && this.nsp) (localOnly ? this.nsp.local : this.nsp).to(roomKey(roomId)).emit('presence', { roomId, users });
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
