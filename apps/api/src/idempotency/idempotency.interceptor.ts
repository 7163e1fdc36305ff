import { type CallHandler, type ExecutionContext, HttpStatus, Inject, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, catchError, from, mergeMap, of } from 'rxjs';
import type { AuthUser } from '../auth/token.service.js';
import { ApiError, validationError } from '../common/api-errors.js';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, requestFingerprint } from './idempotency-key.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Keys are remembered this long (clients retry within minutes; a day covers an outage). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const POLL_MS = 50;

/**
 * Pattern: idempotent POST with an `Idempotency-Key` header (per user).
 * Protects against: a client that lost the response (instance killed, connection dropped, load
 * balancer gave up) retrying a create and making a duplicate article or comment.
 * How: the first request claims (user_id, key) in PostgreSQL (INSERT ... ON CONFLICT on the
 * primary key: exactly one concurrent claim wins), runs, and stores its status and JSON body. A
 * retry with the same key and the same request gets that stored response (header
 * `Idempotent-Replayed: true`) without running again; a retry that arrives while the first is
 * still running waits for it (up to the request budget, then 409 + Retry-After). The same key
 * with a different body or path is a 422. A request that fails releases its claim, so it can be
 * retried. A claim whose process died is taken over after its lease (REQUEST_TIMEOUT_MS + 5 s).
 * Keys expire after 24 h. Known window: a process killed after the create committed but before
 * the response was stored leaves a claim that a retry takes over after the lease, and runs again.
 * Test: apps/api/test/security/idempotency.e2e.spec.ts. Applied with
 * `@UseInterceptors(IdempotencyInterceptor)` on POST /articles and POST /articles/:slug/comments.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(private readonly keys: IdempotencyRepository, @Inject(APP_CONFIG) config: AppConfig) {
    this.leaseMs = config.REQUEST_TIMEOUT_MS + 5_000;
    // Leave room in the request budget to answer 409 before the deadline answers 503.
    this.waitMs = Math.max(0, config.REQUEST_TIMEOUT_MS - 1_000);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: AuthUser }>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined || !request.user) return next.handle();
    const key = parseIdempotencyKey(raw);
    const userId = request.user.id;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const status: number = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;

    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (await this.keys.claim(userId, key, fingerprint, this.leaseMs, IDEMPOTENCY_TTL_MS)) {
        return next.handle().pipe(
          mergeMap(async (body) => {
            const text = JSON.stringify(body);
            // The create has committed: a failure to record it must not turn success into an error.
            await this.keys.complete(userId, key, status, text).catch((error: Error) => this.logger.warn(`could not store an idempotent response: ${error.message}`));
            return body;
          }),
          catchError((error: unknown) => from(this.keys.release(userId, key).catch(() => {}).then(() => Promise.reject(error)))),
        );
      }
      const existing = await this.keys.find(userId, key);
      if (existing && existing.fingerprint !== fingerprint) {
        throw validationError({ [IDEMPOTENCY_HEADER]: ['was already used with a different request; use a new key for a new request'] });
      }
      if (existing?.responseStatus != null && existing.responseBody != null) {
        http.getResponse<FastifyReply>().header('idempotent-replayed', 'true');
        return of(JSON.parse(existing.responseBody));
      }
      // In progress elsewhere (or just released / expired: claim again).
      if (Date.now() >= deadline) {
        throw new ApiError(HttpStatus.CONFLICT, { [IDEMPOTENCY_HEADER]: ['a request with this key is still in progress, retry later'] }, { 'retry-after': '1' });
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
