import type { TagLife } from '@conduit/db';
import type pg from 'pg';

/** Rows of the lived-in seed picked by rank and kind, so they are comparable across seed sizes. */
export interface LivedInChoices {
  popularTag: string;
  fadingTag: string;
  emptyTag: string;
  hotTag: string;
  prolificAuthor: string;
  heavyFavoriter: string;
  /** The most favorited article. */
  slug: string;
}

/**
 * The choices the EXPLAIN bounds test and the growth benchmark share, on a database seeded with
 * the lived-in profile; `tags` is `livedInTags(plan)` of that seed.
 */
export async function livedInChoices(client: pg.Client, tags: Record<TagLife, string[]>): Promise<LivedInChoices> {
  const one = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql)).rows[0];
  return {
    popularTag: tags.evergreen[0],
    // Popular in the first years, ~500x rarer since: its pages are buried under years of others.
    fadingTag: tags.fading[0],
    emptyTag: tags.empty[0],
    hotTag: tags.hot[0],
    prolificAuthor: (await one<{ username: string }>('SELECT username FROM users ORDER BY articles_count DESC, id LIMIT 1')).username,
    heavyFavoriter: (await one<{ username: string }>('SELECT username FROM users ORDER BY favorited_count DESC, id LIMIT 1')).username,
    slug: (await one<{ slug: string }>('SELECT slug FROM articles ORDER BY favorites_count DESC, id LIMIT 1')).slug,
  };
}
