import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from '@conduit/config';
import { PinoNestLogger, createLogger } from '@conduit/observability';
import { QueueRedisMisconfiguredError, assertQueueRedis, createQueueConnection } from '@conduit/queue';
import { installGracefulShutdown } from './bootstrap/graceful-shutdown.js';
import { verifyQueueRedis } from './bootstrap/verify-queue-redis.js';
import { WorkerRuntime } from './bootstrap/worker-runtime.js';
import { WorkerModule } from './worker.module.js';

let config: WorkerConfig;
try {
  config = loadWorkerConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker', instanceId: config.WORKER_INSTANCE_ID });
const queueRedis = createQueueConnection(config.QUEUE_REDIS_URL, 'producer', `${config.WORKER_INSTANCE_ID}-producer`);
let lastRedisError = 0;
queueRedis.on('error', (err) => {
  if (Date.now() - lastRedisError < 10_000) return;
  lastRedisError = Date.now();
  logger.warn({ err: { message: err.message } }, 'queue Redis unavailable');
});

try {
  await verifyQueueRedis(queueRedis, config.QUEUE_REDIS_URL, config.WORKER_STARTUP_TIMEOUT_MS);
} catch (error) {
  const message = (error as Error).message;
  logger.fatal(message);
  console.error(message);
  queueRedis.disconnect();
  process.exit(1);
}

const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger, queueRedis), {
  logger: new PinoNestLogger(logger),
  abortOnError: false,
});
const runtime = app.get(WorkerRuntime);
const shutdown = installGracefulShutdown(() => runtime.stop(), config.WORKER_SHUTDOWN_TIMEOUT_MS, logger);
// Re-check after every reconnect: a queue Redis restarted with a cache-like config (evicting,
// no AOF) would silently lose jobs. Stop gracefully (exit 1) rather than run on it.
// Test: apps/worker/test/startup.e2e.spec.ts ("... restarted with the wrong settings").
queueRedis.on('ready', () => {
  assertQueueRedis(queueRedis, config.QUEUE_REDIS_URL).catch((error) => {
    if (!(error instanceof QueueRedisMisconfiguredError)) return;
    logger.fatal(error.message);
    console.error(error.message);
    void shutdown('queue Redis misconfigured', 1);
  });
});
await runtime.start();
