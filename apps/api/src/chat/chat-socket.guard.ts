import { CHAT_EVENTS } from '@conduit/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { Socket } from 'socket.io';
import type { AuthUser } from '@conduit/contracts';
import { chatForcedDisconnects, chatMessages } from './chat.metrics.js';
import type { ChatAck } from './chat.types.js';
import { TokenBucket } from './token-bucket.js';

export interface SocketData {
  user: AuthUser;
  expiresAt: number;
}
// Untyped event maps: payloads are validated per event (chat.schemas.ts), not trusted from types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Events = Record<string, (...args: any[]) => void>;
export type ChatSocket = Socket<Events, Events, Events, SocketData>;

interface SocketState {
  messages: TokenBucket;
  events: TokenBucket;
  rejectedInARow: number;
  lastTypingAt: number;
  expiryTimer?: NodeJS.Timeout;
  expiring?: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const TYPING_MIN_INTERVAL_MS = 500;
const EXPIRY_NOTICE_MS = 1_000;
const FLOOD_REJECTIONS = 50;

/**
 * Per-socket protections, in memory (a socket lives on exactly one instance): message rate
 * limit, a budget for all incoming packets, typing throttle and token expiry. A misbehaving
 * client is disconnected alone; everyone else is unaffected. Test: chat-security.spec.ts.
 */
@Injectable()
export class ChatSocketGuard {
  private readonly logger = new Logger('ChatSocketGuard');
  private readonly states = new Map<string, SocketState>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  attach(socket: ChatSocket): void {
    const rate = this.config.CHAT_MESSAGE_RATE_PER_SECOND;
    const burst = this.config.CHAT_MESSAGE_BURST;
    const state: SocketState = {
      messages: new TokenBucket(rate, burst),
      // All events (typing, joins, lists): generous, only floods hit it.
      events: new TokenBucket(Math.max(20, rate * 4), Math.max(60, burst * 3)),
      rejectedInARow: 0,
      lastTypingAt: 0,
    };
    this.states.set(socket.id, state);
    this.scheduleExpiry(socket, state);
    // Every incoming packet spends from the budget; past it the packet is refused (error ack)
    // and a client that keeps going is cut off.
    socket.use((packet, next) => {
      if (state.events.take()) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') ack({ ok: false, code: 'rate_limited', errors: { events: ['too many events, slow down'] } } satisfies ChatAck);
      if (++state.rejectedInARow > FLOOD_REJECTIONS) this.forceDisconnect(socket, 'flood');
    });
  }

  detach(socket: ChatSocket): void {
    const state = this.states.get(socket.id);
    if (state?.expiryTimer) clearTimeout(state.expiryTimer);
    this.states.delete(socket.id);
  }

  /** One message from the socket's bucket; false (counted) when over the rate. */
  takeMessage(socket: ChatSocket): boolean {
    const state = this.states.get(socket.id);
    if (!state) return true;
    if (state.messages.take()) {
      state.rejectedInARow = 0;
      return true;
    }
    chatMessages.inc({ outcome: 'rate_limited' });
    // A client that ignores rate_limited acks for twice its burst is flooding: cut it off.
    if (++state.rejectedInARow > 2 * this.config.CHAT_MESSAGE_BURST) this.forceDisconnect(socket, 'message_rate');
    return false;
  }

  /** Typing indicators: at most one per TYPING_MIN_INTERVAL_MS per socket (extras are dropped). */
  allowTyping(socket: ChatSocket): boolean {
    const state = this.states.get(socket.id);
    const now = Date.now();
    if (state && now - state.lastTypingAt < TYPING_MIN_INTERVAL_MS) return false;
    if (state) state.lastTypingAt = now;
    return true;
  }

  /** Ends the connection of a socket whose token has expired; true if it has. */
  expireIfDue(socket: ChatSocket): boolean {
    if (Date.now() < socket.data.expiresAt) return false;
    this.expire(socket);
    return true;
  }

  /** A token that expires mid-connection ends the connection (the client must reconnect with a new one). */
  private scheduleExpiry(socket: ChatSocket, state: SocketState): void {
    const delay = socket.data.expiresAt - Date.now();
    state.expiryTimer = setTimeout(
      () => {
        if (!this.expireIfDue(socket)) this.scheduleExpiry(socket, state);
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    state.expiryTimer.unref();
  }

  private expire(socket: ChatSocket): void {
    const state = this.states.get(socket.id);
    if (!socket.connected || !state || state.expiring) return;
    state.expiring = true;
    chatForcedDisconnects.inc({ reason: 'token_expired' });
    // With connection-state recovery every emit goes through the adapter (asynchronously), so the
    // notice needs a moment before the disconnect packet; meanwhile every event is refused.
    socket.emit(CHAT_EVENTS.sessionExpired, { errors: { token: ['token expired'] } });
    setTimeout(() => socket.disconnect(true), EXPIRY_NOTICE_MS).unref();
  }

  private forceDisconnect(socket: ChatSocket, reason: string): void {
    if (!socket.connected) return;
    chatForcedDisconnects.inc({ reason });
    this.logger.warn(`disconnecting socket of user ${socket.data.user?.id}: ${reason}`);
    socket.disconnect(true);
  }
}
