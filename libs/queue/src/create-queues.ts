import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultJobOptions, type JobRetentionSettings } from './job-options.js';
import { QUEUES, type QueueName } from './queue-names.js';

/**
 * Producer-side Queue objects for every queue, sharing one (fail-fast) connection. The default
 * job options (attempts, backoff, bounded retention) are applied when a job is added, so every
 * producer must build its queues here.
 */
export function createQueues(connection: Redis, prefix: string, settings: JobRetentionSettings): Record<QueueName, Queue> {
  const make = (name: QueueName) => new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions(settings) });
  return { [QUEUES.email]: make(QUEUES.email), [QUEUES.image]: make(QUEUES.image) } as Record<QueueName, Queue>;
}
