import { JOBS, type JobName, type QueueName } from './queue-names.js';
import { JOB_DEFINITIONS, parseJobPayload, type JobPayloads, type ProcessImagePayload, type WelcomeEmailPayload } from './job-payloads.js';

/**
 * Deterministic job ids: the same logical job always gets the same id, so enqueueing it twice
 * (an outbox row relayed again after a crash, a client retry) is a no-op in BullMQ while the
 * first job still exists, and a duplicate outbox row hits the unique job_id. (BullMQ forgets
 * an id once the finished job is removed; the idempotency record covers that window.)
 * BullMQ ids must not be plain integers or contain ':'.
 */
export const welcomeEmailJobId = (userId: number) => `welcome-email-${userId}`;
export const processImageJobId = (uploadId: string) => `process-image-${uploadId}`;

/** A job ready to be written to the outbox and relayed to BullMQ. */
export interface JobEnvelope<K extends JobName = JobName> {
  queue: QueueName;
  name: K;
  jobId: string;
  payload: JobPayloads[K];
}

export function welcomeEmailJob(payload: WelcomeEmailPayload): JobEnvelope<typeof JOBS.welcomeEmail> {
  const data = parseJobPayload(JOBS.welcomeEmail, payload);
  return { queue: JOB_DEFINITIONS[JOBS.welcomeEmail].queue, name: JOBS.welcomeEmail, jobId: welcomeEmailJobId(data.userId), payload: data };
}

export function processImageJob(payload: ProcessImagePayload): JobEnvelope<typeof JOBS.processImage> {
  const data = parseJobPayload(JOBS.processImage, payload);
  return { queue: JOB_DEFINITIONS[JOBS.processImage].queue, name: JOBS.processImage, jobId: processImageJobId(data.uploadId), payload: data };
}
