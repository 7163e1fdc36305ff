/** BullMQ queue names: one queue per kind of work, so each gets its own concurrency. */
export const QUEUES = {
  email: 'email',
  image: 'image',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Job names inside the queues. */
export const JOBS = {
  welcomeEmail: 'welcome-email',
  processImage: 'process-image',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];
