import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultJobOptions, type JobRetentionSettings } from './job-options.js';
import { QUEUES, type QueueName } from './queue-names.js';

/**
 * Producer-side Queue objects for every queue, sharing one (fail-fast) connection. The default
 * job options (attempts, backoff, bounded retention) are applied when a job is added, so every
 * producer must build its queues here.
 */
export function createQueues(connection: Redis, prefix: string, settings: JobRetentionSettings, onError: (error: Error) => void = () => {}): Record<QueueName, Queue> {
  const make = (name: QueueName) => {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions(settings) });
    // Without a listener BullMQ prints every connection error; callers log them throttled.
    queue.on('error', onError);
    return queue;
  };
  return { [QUEUES.email]: make(QUEUES.email), [QUEUES.image]: make(QUEUES.image) } as Record<QueueName, Queue>;
}
