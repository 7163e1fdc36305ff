import { Redis, type RedisOptions } from 'ioredis';

export type QueueConnectionRole = 'worker' | 'producer';

/**
 * Connection for the QUEUE Redis role (not the cache Redis).
 * - worker: `maxRetriesPerRequest: null` as BullMQ requires for its blocking commands; it
 *   waits through a Redis restart instead of failing jobs.
 * - producer (the outbox relay): fail fast. No offline queue and a command timeout, so a
 *   relay tick during an outage fails at once and the rows simply stay in the outbox.
 * Both reconnect forever in the background with a capped backoff.
 */
export function queueConnectionOptions(role: QueueConnectionRole, name: string): RedisOptions {
  const common: RedisOptions = {
    connectionName: name,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  };
  return role === 'worker' ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true } : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5_000 };
}

export function createQueueConnection(url: string, role: QueueConnectionRole, name: string): Redis {
  return new Redis(url, queueConnectionOptions(role, name));
}
