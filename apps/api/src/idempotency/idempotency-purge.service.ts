import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { IdempotencyRepository } from './idempotency.repository.js';

const PURGE_EVERY_MS = 10 * 60 * 1000;
const PURGE_BATCH = 5_000;

/** Deletes expired idempotency keys in small batches so the table stays about one day of keys. */
@Injectable()
export class IdempotencyPurgeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.keys.purgeExpired(PURGE_BATCH).catch((error: Error) => this.logger.warn(`purge of expired keys failed: ${error.message}`));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
