import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '@conduit/db';
import type { JobEnvelope } from '@conduit/queue';
import { PRISMA } from '../database/database.module.js';

export type Tx = Prisma.TransactionClient;

/**
 * How the API "enqueues": it writes the job to the transactional outbox (job_outbox) inside
 * the same transaction as the change that causes it, and never talks to the queue Redis.
 * A queue outage therefore cannot lose an accepted job or fail the request; the worker's
 * relay (libs/queue/src/outbox-relay.ts) moves rows to BullMQ once Redis answers.
 * A duplicate (same deterministic job id) is ignored: ON CONFLICT (job_id) DO NOTHING.
 * Test: apps/worker/test/outbox.e2e.spec.ts.
 */
@Injectable()
export class JobOutboxRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Runs `work` in one transaction; jobs added through `tx` commit or roll back with it. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  async add(job: JobEnvelope, tx: Tx = this.prisma): Promise<void> {
    await tx.jobOutbox.createMany({
      data: [{ queue: job.queue, jobName: job.name, jobId: job.jobId, payload: job.payload as Prisma.InputJsonValue }],
      skipDuplicates: true,
    });
  }
}
