import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import nodemailer, { type Transporter } from 'nodemailer';
import { WORKER_CONFIG } from '../infra/tokens.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** Stable Message-ID: lets mail systems drop a duplicate in the rare crash-after-send case. */
  messageId: string;
}

/**
 * SMTP over nodemailer with explicit timeouts (its defaults: 2 min to connect, 10 min of socket
 * inactivity). A stuck mail server fails the attempt, which is retried with backoff.
 */
@Injectable()
export class MailerService implements OnModuleDestroy {
  private readonly transport: Transporter;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {
    this.transport = nodemailer.createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      // Reuse connections: a fresh SMTP connection per email cost ~100 ms here, a pooled send
      // ~1 ms (bench/worker/worker-throughput.bench.ts). One connection per job slot.
      pool: true,
      maxConnections: config.WORKER_EMAIL_CONCURRENCY,
      maxMessages: 100,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } : undefined,
      connectionTimeout: config.SMTP_CONNECTION_TIMEOUT_MS,
      greetingTimeout: config.SMTP_GREETING_TIMEOUT_MS,
      socketTimeout: config.SMTP_SOCKET_TIMEOUT_MS,
      // Message content never reads local files or fetches URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** Longest a single send can take before a timeout fires (the idempotency lease covers it). */
  get maxSendMs(): number {
    return this.config.SMTP_CONNECTION_TIMEOUT_MS + this.config.SMTP_GREETING_TIMEOUT_MS + this.config.SMTP_SOCKET_TIMEOUT_MS;
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({ from: this.config.SMTP_FROM, ...email });
  }

  close(): void {
    this.transport.close();
  }

  onModuleDestroy(): void {
    this.close();
  }
}
