-- Idempotent chat sends: each message carries the id its client gave it (a UUID), unique per
-- author. A resend after a lost acknowledgement hits the unique index (INSERT ... ON CONFLICT
-- DO NOTHING in the group-commit statement) and is answered with the stored message instead of
-- storing a twin. NULL for messages sent without one (older clients): NULLs never conflict.
-- The unique index leads with author_id, so it also serves the cascade delete of a user's
-- messages: the old single-column index is redundant.
-- Test: apps/api/test/chat/chat-idempotent-send.spec.ts.

-- AlterTable
ALTER TABLE "chat_messages" ADD COLUMN "client_id" UUID;

-- DropIndex
DROP INDEX "chat_messages_author_idx";

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_author_client_id_key" ON "chat_messages"("author_id", "client_id");
