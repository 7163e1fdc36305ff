import type { Redis } from 'ioredis';

/** The queue Redis is configured in a way that loses or refuses jobs. */
export class QueueRedisMisconfiguredError extends Error {
  override name = 'QueueRedisMisconfiguredError';
}

function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

/**
 * Problems with a queue Redis, from INFO (works where CONFIG is disabled, e.g. managed Redis).
 * - maxmemory-policy must be noeviction: any evicting policy deletes job keys under memory
 *   pressure, silently losing jobs (BullMQ itself only prints a warning).
 * - appendonly must be on: without it a Redis restart loses every queued job.
 */
export function queueRedisProblems(info: string): string[] {
  const problems: string[] = [];
  const policy = infoField(info, 'maxmemory_policy');
  if (policy !== 'noeviction') {
    problems.push(`maxmemory-policy is "${policy ?? 'unknown'}" but must be "noeviction" (an evicting Redis silently deletes jobs)`);
  }
  const aof = infoField(info, 'aof_enabled');
  if (aof !== '1') {
    problems.push('appendonly is off but must be "yes" (a restart would lose every queued job)');
  }
  return problems;
}

/** Throws QueueRedisMisconfiguredError naming every problem and how to fix it. */
export async function assertQueueRedis(redis: Redis, url: string): Promise<void> {
  const info = await redis.info();
  const problems = queueRedisProblems(info);
  if (problems.length) {
    const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new QueueRedisMisconfiguredError(
      `Refusing to start: the queue Redis at ${safeUrl} is not configured for BullMQ:\n  - ${problems.join('\n  - ')}\n` +
        '  Start it with infra/redis/queue.conf (maxmemory-policy noeviction, appendonly yes), ' +
        'or run CONFIG SET maxmemory-policy noeviction / CONFIG SET appendonly yes.',
    );
  }
}
