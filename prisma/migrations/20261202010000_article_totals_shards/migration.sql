-- Sharded counter for the global articlesCount. 20261202000000_read_cost kept it in ONE row
-- (article_totals id 1), so every article create/delete locked that row until commit and
-- concurrent creates queued behind each other (bench:cost, 16 writers: INSERT mean 1.1 ms -> 1.4 s).
-- Now article_totals holds 16 shard rows (id 0..15); the trigger adds +1/-1 to the shard of the
-- writing backend (pg_backend_pid() % 16) and readers take sum(articles_count) over at most 16 rows.
-- A shard may go negative (an article deleted from another backend than the one that created it):
-- only the sum means anything, and it stays exact because every change is in the row's transaction.
--
-- Why a follow-up instead of editing 20261202000000_read_cost in place: databases that already
-- applied it today (dev, load-test) would only log "modified after it was applied" and keep the
-- hot row; this migration reaches them too, and is a no-op rewrite for fresh ones.
--
-- Lock order of every article write (replaces the one stated in 20261202000000_read_cost):
-- ONE article_totals shard row (the backend's own: a transaction never takes two, however many
-- articles it writes), then the author, then tags (in id order, see linkTags). A transaction
-- waiting for a shard holds no counter lock yet, so concurrent creates and deletes queue (only
-- when they share a shard or an author) instead of deadlocking. (A delete has locked only its own
-- article row before the shard, as before.)
-- Test: apps/api/test/articles/article-totals-shards.int.spec.ts.

-- AlterTable: shard ids 0..15 (no default: the trigger always names the shard). The CHECK bounds
-- the readers' sum to 16 rows.
ALTER TABLE "article_totals" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "article_totals" ADD CONSTRAINT "article_totals_shard_check" CHECK ("id" BETWEEN 0 AND 15);
INSERT INTO "article_totals" ("id", "articles_count") SELECT s, 0 FROM generate_series(0, 15) s ON CONFLICT ("id") DO NOTHING;

-- INSERT ... ON CONFLICT DO UPDATE: a missing shard row is created (never a silently lost count).
CREATE OR REPLACE FUNCTION "conduit_article_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
  INSERT INTO "article_totals" ("id", "articles_count") VALUES (pg_backend_pid() % 16, delta)
    ON CONFLICT ("id") DO UPDATE SET "articles_count" = "article_totals"."articles_count" + EXCLUDED."articles_count";
  IF TG_OP = 'INSERT' THEN
    UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
    RETURN NEW;
  END IF;
  UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
  RETURN OLD;
END $$;
