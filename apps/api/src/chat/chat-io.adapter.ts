import { CHAT_EVENTS, CHAT_NAMESPACE } from '@conduit/contracts';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { AppConfig } from '@conduit/config';
import type { IncomingMessage } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { createChatAdapterRedis, type ChatAdapterRedis } from './chat-adapter.redis.js';

/**
 * The Socket.IO server behind the chat gateway (installed in bootstrap/create-app.ts).
 *
 * - Redis Streams adapter (chat-adapter.redis.ts): events reach clients on every instance and
 *   connection-state recovery replays what a briefly disconnected client missed.
 * - Origin allowlist checked in `allowRequest`, i.e. on the handshake itself: the `cors` option
 *   only governs browsers' XHR polling, a WebSocket upgrade from any page would pass it
 *   (cross-site WebSocket hijacking). Requests without Origin (non-browser clients) are let
 *   through; they still need a valid token. Test: apps/api/test/chat/chat-security.spec.ts.
 * - maxHttpBufferSize: a packet above CHAT_MAX_PAYLOAD_BYTES closes that client's connection
 *   before it is buffered or parsed (memory exhaustion by one client).
 * - While draining for shutdown, new handshakes are refused so reconnecting clients land on
 *   another instance; close() calls io.close(), which drops connections WITHOUT a disconnect
 *   packet, so clients reconnect (socket.disconnect(true) would tell them not to) and no open
 *   WebSocket keeps the process alive. Test: apps/api/test/chat/chat-multi-instance.spec.ts.
 */
export class ChatIoAdapter extends IoAdapter {
  private redis: ChatAdapterRedis | undefined;
  private lifecycleService: LifecycleService | undefined;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  // (Returns the app's socket.io Server; @nestjs/platform-socket.io types a nested copy of it.)
  override createIOServer(_port: number, options?: Parameters<IoAdapter['createIOServer']>[1]): ReturnType<IoAdapter['createIOServer']> {
    this.redis ??= createChatAdapterRedis(this.config);
    const allowedOrigins = new Set(this.config.CHAT_ALLOWED_ORIGINS ?? this.config.CORS_ORIGINS);
    const io = new Server(this.httpServer, {
      ...(options as object),
      path: '/socket.io/',
      serveClient: false,
      maxHttpBufferSize: this.config.CHAT_MAX_PAYLOAD_BYTES,
      // Ping every 25 s, give up after 20 s more: a dead client is noticed within 45 s
      // (a proxy's read timeout must exceed this: HAProxy's `timeout tunnel`, nginx's proxy_read_timeout).
      pingInterval: 25_000,
      pingTimeout: 20_000,
      connectTimeout: 10_000,
      cors: { origin: [...allowedOrigins], methods: ['GET', 'POST'] },
      allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
        if (this.lifecycle().isDraining) return callback('server is shutting down', false);
        const origin = req.headers.origin;
        if (origin !== undefined && !allowedOrigins.has(origin)) return callback('origin not allowed', false);
        callback(null, true);
      },
      connectionStateRecovery: {
        maxDisconnectionDuration: this.config.CHAT_RECOVERY_WINDOW_MS,
        // Authentication runs again on recovery: an expired or different token is refused.
        skipMiddlewares: false,
      },
      adapter: this.redis.adapterFactory as unknown as ServerOptions['adapter'],
    });
    // Only /chat is served; the root namespace refuses everyone.
    io.of('/').use((_socket, next) => next(new Error('connect to the /chat namespace')));
    // Events this instance published while Redis failed reached only its own clients. Once
    // publishing works again, every client on every instance re-joins its rooms with `since` =
    // the last id received before `lostAt` (minus a margin for clock skew with PostgreSQL).
    // Test: apps/api/test/chat/chat-redis-outage.spec.ts (Redis killed, Redis frozen).
    this.redis.onPublishRecovered((failedSince) => {
      io.of(CHAT_NAMESPACE).emit(CHAT_EVENTS.resync, { reason: 'redis_recovered', lostAt: new Date(failedSince).toISOString() });
    });
    return io as unknown as ReturnType<IoAdapter['createIOServer']>;
  }

  private lifecycle(): LifecycleService {
    this.lifecycleService ??= this.app.get(LifecycleService);
    if (!this.lifecycleService) throw new Error('LifecycleService is not available');
    return this.lifecycleService;
  }

  override async close(server: unknown): Promise<void> {
    if (!(server instanceof Server)) return; // namespaces close with their server
    // Fastify owns the HTTP server and closes it after this; io.close() would close it early.
    (server as unknown as { httpServer?: unknown }).httpServer = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  override async dispose(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    await redis?.close();
  }
}
