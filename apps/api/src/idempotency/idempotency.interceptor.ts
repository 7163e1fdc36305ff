import { randomUUID } from 'node:crypto';
import { type CallHandler, type ExecutionContext, HttpStatus, Inject, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, catchError, from, mergeMap, of } from 'rxjs';
import type { AuthUser } from '@conduit/contracts';
import { ApiError, validationError } from '../common/api-errors.js';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, requestFingerprint } from './idempotency-key.js';
import { ClaimLost } from './claim-lost.js';
import { CLAIM_PROPERTY, type IdempotencyClaim } from './idempotency-claim.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { crashAtFaultPoint } from '../common/fault-point.js';

/** Keys are remembered this long (clients retry within minutes; a day covers an outage). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const POLL_MS = 50;

/**
 * Pattern: idempotent POST with an `Idempotency-Key` header (per user).
 * Protects against: a client that lost the response (instance killed, connection dropped, load
 * balancer gave up) retrying a create and making a duplicate article or comment.
 * How: the first request claims (user_id, key) in PostgreSQL under a fresh token (INSERT ... ON
 * CONFLICT on the primary key: exactly one concurrent claim wins) and runs. The create statement
 * itself marks the key with the new row's id (resource_id), only while the claim is still its
 * token's: the key and the article (or comment) commit together, so after any crash a retry finds
 * both or neither. Then the status and JSON body are stored. A retry with the same key and the
 * same request gets that stored response (header `Idempotent-Replayed: true`) without running
 * again; if the process died after the commit and before storing it, the response is rebuilt from
 * the created resource (the handler gets `replayOf`). A retry that arrives while the first is still
 * running waits for it (up to the request budget, then 409 + Retry-After). The same key with a
 * different body or path is a 422. A request that fails before its create committed releases its
 * claim, so it can be retried; a claim whose process died before committing is taken over after
 * its lease (REQUEST_TIMEOUT_MS + 5 s), and the lapsed claim can no longer commit a create (token).
 * Keys expire after 24 h.
 * Tests: apps/api/test/security/idempotency.e2e.spec.ts, idempotency-crash.e2e.spec.ts (SIGKILL
 * after the commit, before the response). Applied with `@UseInterceptors(IdempotencyInterceptor)`
 * on POST /articles and POST /articles/:slug/comments, whose handlers take `@IdempotentClaim()`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly keys: IdempotencyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
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
    const claim: IdempotencyClaim = { userId, key, token: randomUUID() };

    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (await this.keys.claim(userId, key, fingerprint, claim.token, this.leaseMs, IDEMPOTENCY_TTL_MS)) return this.run(next, request, claim, status);
      const existing = await this.keys.find(userId, key);
      if (existing && existing.fingerprint !== fingerprint) {
        throw validationError({ [IDEMPOTENCY_HEADER]: ['was already used with a different request; use a new key for a new request'] });
      }
      if (existing?.responseStatus != null && existing.responseBody != null) {
        http.getResponse<FastifyReply>().header('idempotent-replayed', 'true');
        return of(JSON.parse(existing.responseBody));
      }
      if (existing?.resourceId != null) {
        // Created (the key committed with it), response not stored: its process died after the
        // commit, or is just storing it. Answer from the resource; never create again.
        http.getResponse<FastifyReply>().header('idempotent-replayed', 'true');
        return this.run(next, request, { ...claim, replayOf: existing.resourceId }, status);
      }
      // In progress elsewhere (or just released / expired: claim again).
      if (Date.now() >= deadline) {
        throw inProgress();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Runs the handler under the claim, then stores its response; a failure before the commit releases the claim. */
  private run(next: CallHandler, request: FastifyRequest, claim: IdempotencyClaim, status: number): Observable<unknown> {
    (request as unknown as Record<string, unknown>)[CLAIM_PROPERTY] = claim;
    return next.handle().pipe(
      mergeMap(async (body) => {
        // The worst moment to die: committed, response neither stored nor sent (tests only).
        if (claim.replayOf === undefined) crashAtFaultPoint(this.config, request.headers, 'crash-after-commit');
        const text = JSON.stringify(body);
        // The create has committed: a failure to record it must not turn success into an error.
        await this.keys.complete(claim.userId, claim.key, status, text).catch((error: Error) => this.logger.warn(`could not store an idempotent response: ${error.message}`));
        return body;
      }),
      catchError((error: unknown) =>
        from(
          (claim.replayOf !== undefined ? Promise.resolve() : this.keys.release(claim.userId, claim.key, claim.token))
            .catch(() => {})
            .then(() => Promise.reject(error instanceof ClaimLost ? inProgress() : error)),
        ),
      ),
    );
  }
}

function inProgress(): ApiError {
  return new ApiError(HttpStatus.CONFLICT, { [IDEMPOTENCY_HEADER]: ['a request with this key is still in progress, retry later'] }, { 'retry-after': '1' });
}
