/**
 * Thrown by a create whose Idempotency-Key claim is no longer its own (its lease lapsed and a retry
 * took the key over): nothing was created. The interceptor answers 409; the retry that owns the
 * key creates (or has created) the resource.
 */
export class ClaimLost extends Error {
  constructor() {
    super('the idempotency claim was taken over by a retry');
    this.name = 'ClaimLost';
  }
}
