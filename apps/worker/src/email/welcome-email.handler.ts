import { Inject, Injectable } from '@nestjs/common';
import { JOBS, type WelcomeEmailPayload } from '@conduit/queue';
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { WORKER_LOGGER } from '../infra/tokens.js';
import { IdempotencyRepository } from '../jobs/idempotency.repository.js';
import type { JobHandler } from '../jobs/job-handler.js';
import { MailerService } from './mailer.service.js';

/**
 * Welcome email, sent once per registration even though BullMQ delivers at least once:
 * claim `welcome-email:<userId>` -> send -> mark completed. A retry after the email went out
 * (lock lost, crash before the job was marked complete, duplicate job) finds the record
 * completed and skips sending. The only remaining window is a crash between the SMTP server's
 * "250 OK" and the completed mark (milliseconds); the stable Message-ID covers that case for
 * mail systems that de-duplicate.
 * Tests: apps/worker/test/email.e2e.spec.ts, apps/worker/test/resilience.e2e.spec.ts.
 */
@Injectable()
export class WelcomeEmailHandler implements JobHandler<typeof JOBS.welcomeEmail> {
  readonly jobName = JOBS.welcomeEmail;

  constructor(
    private readonly mailer: MailerService,
    private readonly idempotency: IdempotencyRepository,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(payload: WelcomeEmailPayload, job: Job, token: string | undefined): Promise<{ sent: boolean }> {
    const key = `welcome-email:${payload.userId}`;
    const claim = await this.idempotency.claim(key, this.mailer.maxSendMs + 1_000);
    if (claim.state === 'done') {
      this.logger.info({ jobId: job.id, key }, 'welcome email already sent; skipping');
      return { sent: false };
    }
    if (claim.state === 'busy') {
      // Another worker holds the lease (or died holding it): come back when it ends, without
      // using up an attempt.
      await job.moveToDelayed(claim.until.getTime() + 100, token);
      throw new DelayedError();
    }
    try {
      await this.mailer.send({
        to: payload.email,
        subject: `Welcome to Conduit, ${payload.username}!`,
        text: `Hi ${payload.username},\n\nyour Conduit account is ready. Happy writing!\n`,
        messageId: `<welcome-${payload.userId}@conduit.local>`,
      });
    } catch (error) {
      await this.idempotency.release(key).catch(() => {});
      throw error;
    }
    await this.idempotency.complete(key);
    return { sent: true };
  }
}
