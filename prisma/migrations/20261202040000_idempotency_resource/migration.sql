-- Idempotency-Key records that hold through a crash. The statement that creates the article or
-- comment also marks its key (resource_id = the new row's id) when the claim is still this
-- request's (claim_token), in the same statement and so the same commit: after any crash a
-- retry finds both or neither. A key with a resource_id is never taken over by a retry; its
-- response is rebuilt from the resource when the process died before storing it.
-- Test: apps/api/test/security/idempotency-crash.e2e.spec.ts.

-- AlterTable
ALTER TABLE "idempotency_keys" ADD COLUMN "claim_token" UUID,
ADD COLUMN "resource_id" INTEGER;
