import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@conduit/config';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';

/**
 * Graceful shutdown (pattern: zero-downtime deploys behind a load balancer).
 * SIGTERM/SIGINT -> readiness answers 503 at once -> keep serving for SHUTDOWN_DRAIN_DELAY_MS
 * (longer than the LB's health-check interval, so it stops routing here) -> stop accepting,
 * finish in-flight requests, close PostgreSQL and Redis -> exit 0.
 * A hard deadline (SHUTDOWN_TIMEOUT_MS, below the usual 10 s container grace) exits 1.
 * An uncaught exception (or unhandled rejection) logs, then shuts down the same way, drain included:
 * readiness turns 503 first and the instance keeps answering until the LB has noticed, so no request
 * routed here meanwhile fails; then it exits 1 so a supervisor restarts it. Bounded: the drain never
 * takes more than the hard deadline minus 2 s (left for closing). Tested in
 * apps/api/test/health/uncaught-exception.e2e.spec.ts and the resilience suite's uncaught-exception scenario.
 * Tested in apps/api/test/health/shutdown.e2e.spec.ts.
 * Chat (Socket.IO): while draining, new handshakes are refused (ChatIoAdapter reads LifecycleService);
 * app.close() runs io.close() (ChatIoAdapter.close) so WebSocket clients reconnect to another instance
 * (never socket.disconnect(true)) and no open WebSocket holds the server open. Tested in
 * apps/api/test/chat/chat-multi-instance.spec.ts (SIGTERM: exit 0, clients fail over, no message lost).
 */
export function installGracefulShutdown(app: NestFastifyApplication, config: AppConfig): void {
  const log = app.getHttpAdapter().getInstance().log;
  const server = app.getHttpServer() as Server;
  let stopping = false;
  const drainMs = Math.min(config.SHUTDOWN_DRAIN_DELAY_MS, Math.max(0, config.SHUTDOWN_TIMEOUT_MS - 2_000));

  // Keep-alive: once draining, every response says `Connection: close`, so clients and the LB
  // open their next request elsewhere instead of reusing a socket this instance will close.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (stopping && !res.headersSent) res.setHeader('connection', 'close');
  });

  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      log.error({ reason }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    log.info({ reason, drainDelayMs: drainMs }, 'shutting down: draining');
    app.get(LifecycleService).startDraining();
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    // server.close() only closes the sockets idle at that moment: a socket whose request was in
    // flight turns idle (keep-alive) after its response and would hold the close open until
    // keepAliveTimeout (65 s), past the deadline. Close each one as soon as it is idle, but only
    // once the listener is closed: to Node a just-accepted socket whose request bytes are not
    // parsed yet is "idle" too, and closing it while still accepting resets a fresh request.
    const sweeper = setInterval(() => {
      if (!server.listening) server.closeIdleConnections();
    }, 100);
    sweeper.unref();
    try {
      await app.close();
      clearInterval(sweeper);
      log.info('shutdown complete');
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      exitCode = 1;
    }
    process.exit(exitCode);
  };

  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    void stop('uncaughtException', 1);
  });
  process.on('unhandledRejection', (error) => {
    log.fatal({ err: error }, 'unhandled rejection');
    void stop('unhandledRejection', 1);
  });
}
