-- Sharded per-tag counters. 20261202000000_read_cost kept a tag's article count in its tags row
-- (tags.articles_count), bumped by a trigger on article_tags inside the article's transaction.
-- Every create with a popular tag then held that tag's row lock until commit, and the next
-- create with the same tag waited twice: on the counter UPDATE and, earlier, in the tag upsert
-- (INSERT INTO tags ... ON CONFLICT DO NOTHING waits for the in-progress new version of the
-- conflicting row). Sampling pg_stat_activity during a 1000-user gate run found 85 of 139
-- active samples in Lock/transactionid waits of the article-create transaction.
--
-- Now the count lives in tag_article_counts: up to 16 rows per tag (tag_id, shard), the trigger
-- adds +1/-1 to the writing backend's shard (pg_backend_pid() % 16, as article_totals), and
-- readers sum at most 16 rows by primary key. The tags row is never written after its insert,
-- so the tag upsert no longer waits either. As with article_totals, a shard may go negative;
-- only the sum means anything and it is exact (every change is in the row's transaction).
--
-- Lock order of every article write (extends 20261202010000_article_totals_shards): one
-- article_totals shard row, then the author, then the tag shard rows of ONE shard (the backend's
-- own) in tag id order (linkTags inserts article_tags ordered by tag id; the cascade of a delete
-- scans article_tags_pkey (article_id, tag_id), also in tag id order).
-- Test: apps/api/test/tags/tag-count-shards.int.spec.ts.

-- CreateTable
CREATE TABLE "tag_article_counts" (
    "tag_id" INTEGER NOT NULL,
    "shard" SMALLINT NOT NULL,
    "articles_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tag_article_counts_pkey" PRIMARY KEY ("tag_id","shard"),
    -- The readers' sum is bounded to 16 rows per tag.
    CONSTRAINT "tag_article_counts_shard_check" CHECK ("shard" BETWEEN 0 AND 15)
);

-- AddForeignKey
ALTER TABLE "tag_article_counts" ADD CONSTRAINT "tag_article_counts_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The counts so far, in shard 0.
INSERT INTO "tag_article_counts" ("tag_id", "shard", "articles_count")
SELECT "tag_id", 0, count(*)::int FROM "article_tags" GROUP BY "tag_id";

CREATE OR REPLACE FUNCTION "conduit_article_tag_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
  tag INTEGER := CASE WHEN TG_OP = 'INSERT' THEN NEW."tag_id" ELSE OLD."tag_id" END;
BEGIN
  INSERT INTO "tag_article_counts" ("tag_id", "shard", "articles_count") VALUES (tag, pg_backend_pid() % 16, delta)
    ON CONFLICT ("tag_id", "shard") DO UPDATE SET "articles_count" = "tag_article_counts"."articles_count" + EXCLUDED."articles_count";
  IF TG_OP = 'INSERT' THEN
    RETURN NEW;
  END IF;
  RETURN OLD;
END $$;

-- AlterTable
ALTER TABLE "tags" DROP COLUMN "articles_count";
