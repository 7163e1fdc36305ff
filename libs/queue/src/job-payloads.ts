import { z } from 'zod';
import { JOBS, QUEUES, type JobName, type QueueName } from './queue-names.js';

/**
 * Job payloads are validated twice: when the job is created (a bug in the producer fails the
 * request, not the worker) and when the worker picks it up (a job written by an older or
 * foreign producer fails fast and is not retried). Payloads hold ids, not whole records: the
 * worker reads current data, so a retried job never acts on stale copies.
 */
export const welcomeEmailPayloadSchema = z.strictObject({
  userId: z.number().int().positive(),
  email: z.email().max(254),
  username: z.string().min(1).max(64),
});
export type WelcomeEmailPayload = z.infer<typeof welcomeEmailPayloadSchema>;

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'webp'] as const;
export const processImagePayloadSchema = z.strictObject({
  userId: z.number().int().positive(),
  // Random id of the upload; stored as originals/<uploadId>.<ext>.
  uploadId: z.uuid(),
  ext: z.enum(IMAGE_EXTENSIONS),
});
export type ProcessImagePayload = z.infer<typeof processImagePayloadSchema>;

export interface JobPayloads {
  [JOBS.welcomeEmail]: WelcomeEmailPayload;
  [JOBS.processImage]: ProcessImagePayload;
}

/** Which queue each job goes to, and its payload schema. */
export const JOB_DEFINITIONS: { [K in JobName]: { queue: QueueName; schema: z.ZodType<JobPayloads[K]> } } = {
  [JOBS.welcomeEmail]: { queue: QUEUES.email, schema: welcomeEmailPayloadSchema },
  [JOBS.processImage]: { queue: QUEUES.image, schema: processImagePayloadSchema },
};

/** Thrown for a payload that can never succeed; the worker turns it into a non-retried failure. */
export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

export function parseJobPayload<K extends JobName>(name: K, data: unknown): JobPayloads[K] {
  const definition = JOB_DEFINITIONS[name];
  if (!definition) throw new InvalidJobPayloadError(`unknown job name "${String(name)}"`);
  const result = definition.schema.safeParse(data);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
    throw new InvalidJobPayloadError(`invalid ${name} payload: ${reasons.join('; ')}`);
  }
  return result.data;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_DEFINITIONS, name);
}
