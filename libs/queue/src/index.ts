export { QUEUES, JOBS, type QueueName, type JobName } from './queue-names.js';
export {
  welcomeEmailPayloadSchema,
  processImagePayloadSchema,
  parseJobPayload,
  isJobName,
  InvalidJobPayloadError,
  IMAGE_EXTENSIONS,
  JOB_DEFINITIONS,
  type WelcomeEmailPayload,
  type ProcessImagePayload,
  type JobPayloads,
} from './job-payloads.js';
export { welcomeEmailJobId, processImageJobId, welcomeEmailJob, processImageJob, type JobEnvelope } from './job-ids.js';
export { defaultJobOptions, type JobRetentionSettings } from './job-options.js';
export { createQueueConnection, queueConnectionOptions, type QueueConnectionRole } from './queue-connection.js';
export { assertQueueRedis, queueRedisProblems, QueueRedisMisconfiguredError } from './queue-redis-check.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { createQueues } from './create-queues.js';
export { originalImageKey, resizedImageFile, resizedImageKey, resizedImageUrl, RESIZED_IMAGE_FILE, newUploadId } from './image-keys.js';
