import { hash, verify } from '@node-rs/argon2';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { metricsRegistry } from '@conduit/observability';
import { Counter } from 'prom-client';
import { serviceUnavailable } from '../common/api-errors.js';
import { BulkheadFull, HashingBulkhead } from './hashing-bulkhead.js';

/** Sign-ins and sign-ups refused because hashing was saturated (queue full or wait too long). */
const passwordHashRefused = new Counter({
  name: 'password_hash_refused_total',
  help: 'Password hashes refused by the hashing bulkhead, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

/**
 * argon2id at OWASP's minimum (19 MiB, 2 iterations, parallelism 1): ~26 ms on one core here.
 * Hashing runs on a native thread, not the event loop, behind a bulkhead (at most
 * PASSWORD_HASH_CONCURRENCY at once per instance, so a burst of sign-ins cannot take every core).
 * Input length is capped by validation (PASSWORD_MAX_LENGTH) so a megabyte "password" cannot burn CPU.
 */
export const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordService {
  private readonly bulkhead: HashingBulkhead;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.bulkhead = new HashingBulkhead({
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      maxQueued: config.PASSWORD_HASH_MAX_QUEUED,
      maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS,
    });
  }

  /** Throws a 503 (ApiError) when hashing is saturated. */
  hash(password: string): Promise<string> {
    return this.guarded(() => hash(password, ARGON2_OPTIONS));
  }

  /** false for a wrong password or a malformed hash; throws a 503 (ApiError) when hashing is saturated. */
  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.guarded(() => verify(passwordHash, password).catch(() => false));
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.bulkhead.run(work);
    } catch (error) {
      if (!(error instanceof BulkheadFull)) throw error;
      passwordHashRefused.inc({ reason: error.reason });
      throw serviceUnavailable('sign-ins are busy, please retry', 1);
    }
  }
}
