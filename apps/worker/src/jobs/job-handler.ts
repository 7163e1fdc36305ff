import type { JobName, JobPayloads } from '@conduit/queue';
import type { Job } from 'bullmq';

/** One job type's logic. Handlers must be idempotent: BullMQ delivers at least once. */
export interface JobHandler<K extends JobName = JobName> {
  readonly jobName: K;
  handle(payload: JobPayloads[K], job: Job, token: string | undefined): Promise<unknown>;
}

/** Multi-provider token collecting every JobHandler. */
export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
