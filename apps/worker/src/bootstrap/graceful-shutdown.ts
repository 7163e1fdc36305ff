import type { Logger } from 'pino';

/**
 * Graceful shutdown for the worker. SIGTERM/SIGINT: stop taking jobs, let running jobs finish
 * within WORKER_SHUTDOWN_TIMEOUT_MS, exit 0. Past the deadline: exit 1; the unfinished jobs'
 * locks lapse and another worker's stalled check runs them again (at-least-once).
 * Test: apps/worker/test/resilience.e2e.spec.ts ("SIGTERM ...").
 */
export function installGracefulShutdown(stop: () => Promise<void>, timeoutMs: number, logger: Logger): (reason: string, exitCode: number) => Promise<void> {
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, timeoutMs }, 'shutting down: no new jobs, finishing running ones');
    const deadline = setTimeout(() => {
      logger.error({ reason, timeoutMs }, 'shutdown deadline passed with jobs still running; they will be retried elsewhere');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    try {
      await stop();
      logger.info('shutdown complete');
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      exitCode = 1;
    }
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled rejection');
    void shutdown('unhandledRejection', 1);
  });
  return shutdown;
}
