import { type ExecutionContext, createParamDecorator } from '@nestjs/common';

/**
 * What a create handler needs to make its Idempotency-Key durable: the key it runs under and the
 * token of its claim. The create statement marks the key with the new row's id (resource_id) only
 * while the claim is still this token's, in the same statement as the insert (one commit).
 * `replayOf`: the key already names a created resource whose response was never stored (the
 * process died after the commit); the handler answers with that resource instead of creating.
 */
export interface IdempotencyClaim {
  userId: number;
  key: string;
  token: string;
  replayOf?: number;
}

/** Where the interceptor leaves the claim for the handler. */
export const CLAIM_PROPERTY = 'idempotencyClaim';

/** The request's claim (undefined without an Idempotency-Key header). */
export const IdempotentClaim = createParamDecorator((_: unknown, ctx: ExecutionContext): IdempotencyClaim | undefined => {
  const request = ctx.switchToHttp().getRequest<Record<string, unknown>>();
  return request[CLAIM_PROPERTY] as IdempotencyClaim | undefined;
});
