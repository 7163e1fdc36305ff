/**
 * The statement that creates an article (ArticleWriteRepository.create): ONE statement inserts the
 * article and its article_tags rows and reads the article back; with an Idempotency-Key claim it
 * also marks the key with the article's id, and inserts only if the key is still this claim's.
 *
 * Two texts, one per case, so that PostgreSQL caches each one's generic plan. One text for both
 * (`WHERE $7 IS NULL OR ...`) was planned on EVERY execution: with no claim, a custom plan folds
 * the key comparisons to false and looks cheaper than the generic plan, so the generic plan was
 * never taken (pg_stat_statements in the release gate: 2,649 plans for 2,637 creates, 0.6 ms of
 * planning per 1.5 ms run). The tag array is passed opaquely for the same reason: `= ANY($5)` is
 * estimated from the array in a custom plan and as ten elements in the generic one.
 * Tested in apps/api/test/db/plan-cache.spec.ts.
 */
export interface CreateArticleValues {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
  authorId: number;
  claim?: { key: string; token: string };
}

export function buildCreateArticleSql(v: CreateArticleValues): { text: string; values: unknown[] } {
  const tags = '(SELECT $5::text[])::text[]';
  const values: unknown[] = [v.slug, v.title, v.description, v.body, v.tagList, v.authorId];
  let keyed = '';
  let onlyIfKeyed = '';
  if (v.claim) {
    values.push(v.claim.key, v.claim.token);
    keyed = `, keyed AS (
  UPDATE idempotency_keys SET resource_id = (SELECT id FROM new_id)
  WHERE user_id = $6 AND key = $7 AND claim_token = $8::uuid AND resource_id IS NULL
  RETURNING 1
)`;
    onlyIfKeyed = '\n  WHERE EXISTS (SELECT 1 FROM keyed)';
  }
  const text = `WITH new_id AS (SELECT nextval(pg_get_serial_sequence('articles', 'id'))::int AS id
)${keyed}, article AS (
  INSERT INTO articles (id, slug, title, description, body, tag_list, author_id, updated_at)
  SELECT (SELECT id FROM new_id), $1, $2, $3, $4, $5::text[], $6, CURRENT_TIMESTAMP${onlyIfKeyed}
  RETURNING id, slug, title, description, body, tag_list, favorites_count, author_id, created_at, updated_at
), linked AS (
  INSERT INTO article_tags (article_id, tag_id)
  SELECT article.id, t.id FROM article, tags t WHERE t.name = ANY(${tags}) ORDER BY t.id
  RETURNING tag_id
)
SELECT (SELECT count(*) FROM linked)::int AS linked,
  (SELECT count(*) FROM tags t WHERE t.name = ANY(${tags})
    AND (SELECT sum(c.articles_count) FROM tag_article_counts c WHERE c.tag_id = t.id) > 0)::int AS tags_in_use,
  a.*, u.username, u.bio, u.image
FROM article a JOIN users u ON u.id = a.author_id`;
  return { text, values };
}
