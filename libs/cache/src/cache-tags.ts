/**
 * Invalidation tags of the read cache, the one list the API (its *.cache.ts readers and
 * CacheInvalidation) and the worker (profile-cache.invalidator.ts) both import. Every cached read
 * lists the tags it depends on; every write bumps the tags it changes. Bumping a tag makes every entry carrying
 * it stale at once, on every instance, without scanning keys.
 * Lists are tagged by what selects their rows, so a write bumps only the lists that can show it:
 * a new article with tag `go` leaves every other tag's pages warm.
 */
export const CacheTags = {
  /** The unfiltered list (every page of GET /api/articles without a filter). */
  listAll: 'list:all',
  /** Pages of ?tag=<name>. */
  listTag: (name: string) => `list:tag:${name}`,
  /** Pages of ?author=<username>. */
  listAuthor: (username: string) => `list:author:${username}`,
  /**
   * Every ?favorited= list. One tag for all of them: an article's favoritesCount or title shows
   * in the favorited lists of everyone who favorited it, a set a write cannot enumerate cheaply.
   */
  listFavorited: 'list:favorited',
  /** Everything that embeds a user's profile (authors in articles and comments, profiles): user updates. */
  people: 'people',
  /** GET /api/tags. */
  tagList: 'tags',
  article: (slug: string) => `article:${slug}`,
  comments: (slug: string) => `comments:${slug}`,
  /** A viewer's own flags (favorited, following): their favorites and follows. */
  viewer: (userId: number) => `viewer:${userId}`,
} as const;

/** The tags of one article list page: what selects its rows, plus the embedded profiles. */
export function listTags(filter: { tag?: string; author?: string; favorited?: string }): string[] {
  const tags: string[] = [CacheTags.people];
  if (filter.tag !== undefined) tags.push(CacheTags.listTag(filter.tag));
  if (filter.author !== undefined) tags.push(CacheTags.listAuthor(filter.author));
  if (filter.favorited !== undefined) tags.push(CacheTags.listFavorited);
  if (tags.length === 1) tags.push(CacheTags.listAll);
  return tags;
}

/** Key part for a user-supplied value (keeps `|` and `:` from colliding with separators). */
export const keyPart = (value: string | undefined): string => (value === undefined ? '' : encodeURIComponent(value));
