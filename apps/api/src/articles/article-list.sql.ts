import { SqlParams } from '../common/sql.js';
import type { ArticleFilter, PageWindow } from './article.types.js';

/** Columns of a list item (no body: pages stay small). */
export const ARTICLE_LIST_COLUMNS =
  'a.id, a.slug, a.title, a.description, a.tag_list, a.favorites_count, a.author_id, a.created_at, a.updated_at, u.username, u.bio, u.image';

export interface ArticleSelection extends ArticleFilter {
  /** The feed: only authors this user follows. */
  followedBy?: number;
}

/**
 * Builds the one statement that returns a page of articles with their authors AND the total
 * count of matching articles. Each filter resolves usernames/tag names inside the statement,
 * so a list page is one round trip whatever the filters or page size.
 *
 * Indexes (checked by the EXPLAIN test on seeded data):
 * - no filter:  articles_created_at_id_idx (created_at DESC, id DESC), top-N without sorting
 * - author:     users_username_key, then articles_author_created_at_id_idx
 * - feed:       follows_pkey (follower_id, ...) then articles_author_created_at_id_idx per author
 * - tag:        tags_name_key, then article_tags_tag_article_idx (tag_id, article_id)
 * - favorited:  users_username_key, then favorites_pkey (user_id, article_id)
 * - authors:    users_pkey (join on u.id = a.author_id)
 *
 * The count is a scalar subquery joined LATERAL to the page, so an offset past the end still
 * returns one row carrying the total (with NULL article columns).
 * Ordering (created_at DESC, id DESC) is total: ids break ties, so pages never overlap or skip.
 */
export function buildArticlePageSql(selection: ArticleSelection, window: PageWindow): { text: string; values: unknown[] } {
  const p = new SqlParams();
  const where: string[] = [];
  if (selection.author !== undefined) {
    where.push(`a.author_id = (SELECT id FROM users WHERE username = ${p.add(selection.author)})`);
  }
  if (selection.tag !== undefined) {
    where.push(`a.id IN (SELECT at.article_id FROM article_tags at JOIN tags tg ON tg.id = at.tag_id WHERE tg.name = ${p.add(selection.tag)})`);
  }
  if (selection.favorited !== undefined) {
    where.push(
      `a.id IN (SELECT f.article_id FROM favorites f WHERE f.user_id = (SELECT id FROM users WHERE username = ${p.add(selection.favorited)}))`,
    );
  }
  if (selection.followedBy !== undefined) {
    where.push(`a.author_id IN (SELECT following_id FROM follows WHERE follower_id = ${p.add(selection.followedBy)})`);
  }
  const condition = where.length ? where.join(' AND ') : 'TRUE';
  const limit = p.add(window.limit);
  const offset = p.add(window.offset);
  const text = `SELECT t.total, page.*
FROM (SELECT count(*)::int AS total FROM articles a WHERE ${condition}) t
LEFT JOIN LATERAL (
  SELECT ${ARTICLE_LIST_COLUMNS}
  FROM articles a JOIN users u ON u.id = a.author_id
  WHERE ${condition}
  ORDER BY a.created_at DESC, a.id DESC
  LIMIT ${limit} OFFSET ${offset}
) page ON TRUE
ORDER BY page.created_at DESC, page.id DESC`;
  return { text, values: p.values };
}
