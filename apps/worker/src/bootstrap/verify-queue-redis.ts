import { assertQueueRedis } from '@conduit/queue';
import type { Redis } from 'ioredis';

/**
 * Startup check: the queue Redis must answer within `timeoutMs` and be configured for BullMQ
 * (noeviction + appendonly). Throws with a message meant for the operator.
 * Test: apps/worker/test/startup.e2e.spec.ts.
 */
export async function verifyQueueRedis(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`Refusing to start: the queue Redis (QUEUE_REDIS_URL) did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      function onReady() {
        clearTimeout(timer);
        resolve();
      }
      redis.once('ready', onReady);
    });
  }
  await assertQueueRedis(redis, url);
}
