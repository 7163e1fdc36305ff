-- The operator role (the web app's /ops page and GET /api/ops/overview). A column rather than a
-- configured list of usernames: usernames can be changed and registered by anyone, so a name on a
-- list could be claimed by whoever registers it first; a flag stays with the account. Granted and
-- revoked by `npm run ops:grant -- <username> [--revoke]`, never through the public API.
-- A constant default: adding the column rewrites no rows (PostgreSQL 11+).

-- AlterTable
ALTER TABLE "users" ADD COLUMN "is_operator" BOOLEAN NOT NULL DEFAULT false;
