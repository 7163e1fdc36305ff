import { Redis } from 'ioredis';
import { coalesceWrites } from './write-coalescing.js';

export interface FailFastRedisOptions {
  url: string;
  /** Upper bound for every command, including against a frozen Redis (ioredis has none by default). */
  commandTimeoutMs: number;
  /** Shown in CLIENT LIST and in log lines. */
  name: string;
  /** Called at most every 10 s during an outage (not once per reconnect attempt). */
  onUnavailable?: (message: string) => void;
}

/**
 * Redis client for the cache and rate-limit roles, which are optional dependencies.
 * Protects against: a dead or frozen Redis making requests wait (ioredis defaults queue commands
 * offline and retry for over a minute; only commandTimeout bounds a frozen server). No offline
 * queue, a short commandTimeout, no per-command retries; it reconnects forever in the background
 * so caching resumes by itself. The commands of one event-loop turn go out in one socket write
 * (coalesceWrites): these clients carry a Redis call for most requests.
 * Tested in apps/api/test/cache/redis-outage.e2e.spec.ts and libs/cache/test/versioned-cache.int.spec.ts.
 */
export function createFailFastRedis(options: FailFastRedisOptions): Redis {
  const client = new Redis(options.url, {
    connectionName: options.name,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      options.onUnavailable?.(err.message);
    }
  });
  return coalesceWrites(client);
}
