import type { ArticleCore } from './article.types.js';

/** An article row as the repositories select it: ARTICLE_LIST_COLUMNS (article-list.sql.ts), plus the body on single-article reads. */
export interface ArticleRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  body?: string;
  tag_list: string[] | null;
  favorites_count: number;
  author_id: number;
  created_at: Date;
  updated_at: Date;
  username: string;
  bio: string | null;
  image: string | null;
}

/** A selected row -> the shared, cacheable ArticleCore. */
export function toCore(row: ArticleRow): ArticleCore {
  return {
    id: row.id,
    authorId: row.author_id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    ...(row.body !== undefined ? { body: row.body } : {}),
    tagList: row.tag_list ?? [],
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    favoritesCount: row.favorites_count,
    author: { username: row.username, bio: row.bio, image: row.image },
  };
}
