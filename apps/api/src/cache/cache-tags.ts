/**
 * Invalidation tags of the read cache. Every cached read lists the tags it depends on; every
 * write bumps the tags it changes (CacheInvalidation). Bumping a tag makes every entry carrying
 * it stale at once, on every instance, without scanning keys.
 */
export const CacheTags = {
  /** Every article list (global, ?tag=, ?author=, ?favorited=): any article or favorite write. */
  lists: 'lists',
  /** Everything that embeds a user's profile (authors in articles and comments, profiles): user updates. */
  people: 'people',
  /** GET /api/tags. */
  tagList: 'tags',
  article: (slug: string) => `article:${slug}`,
  comments: (slug: string) => `comments:${slug}`,
  /** A viewer's own flags (favorited, following): their favorites and follows. */
  viewer: (userId: number) => `viewer:${userId}`,
} as const;

/** Key part for a user-supplied value (keeps `|` and `:` from colliding with separators). */
export const keyPart = (value: string | undefined): string => (value === undefined ? '' : encodeURIComponent(value));
