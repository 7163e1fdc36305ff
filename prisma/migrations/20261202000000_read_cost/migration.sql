-- Read cost bounded by the page, not the table. Every list is served by an index whose order is
-- the list's order (created_at DESC, id DESC), so a page reads `offset + limit` index entries
-- whatever the table's size or age; every articlesCount is a counter row kept in the same
-- transaction as the rows it counts (triggers below), never a count(*) per page.
-- Queries: apps/api/src/articles/article-list.sql.ts; bounds: apps/api/test/db/hot-queries.explain.spec.ts.

-- AlterTable: the article's created_at copied into article_tags (set by a trigger on insert).
ALTER TABLE "article_tags" ADD COLUMN "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "article_tags" at SET "created_at" = a."created_at" FROM "articles" a WHERE a."id" = at."article_id";

-- AlterTable: the favorited article's created_at copied into favorites (set by a trigger on insert).
ALTER TABLE "favorites" ADD COLUMN "article_created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "favorites" f SET "article_created_at" = a."created_at" FROM "articles" a WHERE a."id" = f."article_id";

-- AlterTable: counters (maintained by the triggers below).
ALTER TABLE "tags" ADD COLUMN "articles_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "users" ADD COLUMN "articles_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "favorited_count" INTEGER NOT NULL DEFAULT 0;
UPDATE "tags" t SET "articles_count" = c.n FROM (SELECT "tag_id", count(*)::int AS n FROM "article_tags" GROUP BY "tag_id") c WHERE c."tag_id" = t."id";
UPDATE "users" u SET "articles_count" = c.n FROM (SELECT "author_id", count(*)::int AS n FROM "articles" GROUP BY "author_id") c WHERE c."author_id" = u."id";
UPDATE "users" u SET "favorited_count" = c.n FROM (SELECT "user_id", count(*)::int AS n FROM "favorites" GROUP BY "user_id") c WHERE c."user_id" = u."id";

-- CreateTable: the global articlesCount (one row).
CREATE TABLE "article_totals" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "articles_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "article_totals_pkey" PRIMARY KEY ("id")
);
INSERT INTO "article_totals" ("id", "articles_count") SELECT 1, count(*)::int FROM "articles";

-- DropIndex: replaced by article_tags_tag_created_at_idx (same leading column).
DROP INDEX "article_tags_tag_article_idx";

-- DropIndex: replaced by articles_created_at_id_author_idx (same order, plus author_id).
DROP INDEX "articles_created_at_id_idx";

-- CreateIndex: the global list, and the feed's walk for readers of thousands of authors
-- (author_id in the index keeps the walk index-only).
CREATE INDEX "articles_created_at_id_author_idx" ON "articles"("created_at" DESC, "id" DESC, "author_id");

-- CreateIndex
CREATE INDEX "article_tags_tag_created_at_idx" ON "article_tags"("tag_id", "created_at" DESC, "article_id" DESC);

-- CreateIndex
CREATE INDEX "favorites_user_article_created_at_idx" ON "favorites"("user_id", "article_created_at" DESC, "article_id" DESC);

-- Triggers. Lock order of every article write: article_totals, then the author, then tags (in id
-- order, see linkTags), so concurrent creates and deletes queue instead of deadlocking.
CREATE FUNCTION "conduit_article_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "article_totals" SET "articles_count" = "articles_count" + 1 WHERE "id" = 1;
    UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
    RETURN NEW;
  END IF;
  UPDATE "article_totals" SET "articles_count" = "articles_count" - 1 WHERE "id" = 1;
  UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
  RETURN OLD;
END $$;
-- BEFORE DELETE: the counters are locked before the cascades (article_tags, favorites) run.
CREATE TRIGGER "articles_count_insert" AFTER INSERT ON "articles" FOR EACH ROW EXECUTE FUNCTION "conduit_article_counts"();
CREATE TRIGGER "articles_count_delete" BEFORE DELETE ON "articles" FOR EACH ROW EXECUTE FUNCTION "conduit_article_counts"();

-- The copies of articles.created_at stay in sync (the API never changes it; this covers any writer).
CREATE FUNCTION "conduit_article_created_at_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "article_tags" SET "created_at" = NEW."created_at" WHERE "article_id" = NEW."id";
  UPDATE "favorites" SET "article_created_at" = NEW."created_at" WHERE "article_id" = NEW."id";
  RETURN NEW;
END $$;
CREATE TRIGGER "articles_created_at_sync" AFTER UPDATE OF "created_at" ON "articles" FOR EACH ROW
  WHEN (OLD."created_at" IS DISTINCT FROM NEW."created_at") EXECUTE FUNCTION "conduit_article_created_at_sync"();

CREATE FUNCTION "conduit_article_tag_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "tags" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."tag_id";
    RETURN NEW;
  END IF;
  UPDATE "tags" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."tag_id";
  RETURN OLD;
END $$;
CREATE FUNCTION "conduit_article_tag_created_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."created_at" := COALESCE((SELECT "created_at" FROM "articles" WHERE "id" = NEW."article_id"), NEW."created_at");
  RETURN NEW;
END $$;
CREATE TRIGGER "article_tags_created_at" BEFORE INSERT ON "article_tags" FOR EACH ROW EXECUTE FUNCTION "conduit_article_tag_created_at"();
CREATE TRIGGER "article_tags_count" AFTER INSERT OR DELETE ON "article_tags" FOR EACH ROW EXECUTE FUNCTION "conduit_article_tag_counts"();

CREATE FUNCTION "conduit_favorite_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "users" SET "favorited_count" = "favorited_count" + 1 WHERE "id" = NEW."user_id";
    RETURN NEW;
  END IF;
  UPDATE "users" SET "favorited_count" = "favorited_count" - 1 WHERE "id" = OLD."user_id";
  RETURN OLD;
END $$;
CREATE FUNCTION "conduit_favorite_created_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."article_created_at" := COALESCE((SELECT "created_at" FROM "articles" WHERE "id" = NEW."article_id"), NEW."article_created_at");
  RETURN NEW;
END $$;
CREATE TRIGGER "favorites_article_created_at" BEFORE INSERT ON "favorites" FOR EACH ROW EXECUTE FUNCTION "conduit_favorite_created_at"();
CREATE TRIGGER "favorites_count" AFTER INSERT OR DELETE ON "favorites" FOR EACH ROW EXECUTE FUNCTION "conduit_favorite_counts"();
