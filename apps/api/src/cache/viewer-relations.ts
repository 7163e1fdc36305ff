import type { ViewerFlags } from '../articles/article.types.js';

/** Which of some authors a viewer follows and which of some articles they favorited. */
export interface ViewerFlagsSource {
  among(authorIds: readonly number[], articleIds: readonly number[]): Promise<ViewerFlags>;
}

/** The cached entry of a viewer with more follows or favorites than CACHE_VIEWER_RELATIONS_MAX. */
export const TOO_MANY_RELATIONS = '*';

/**
 * A viewer's follows and favorites as one cache entry: `<favorited article ids>|<followed user
 * ids>`, comma-separated, or TOO_MANY_RELATIONS.
 */
export function encodeRelations(relations: { favorited: readonly number[]; followed: readonly number[] } | typeof TOO_MANY_RELATIONS): string {
  return relations === TOO_MANY_RELATIONS ? TOO_MANY_RELATIONS : `${relations.favorited.join(',')}|${relations.followed.join(',')}`;
}

const ids = (list: string) => (list === '' ? [] : list.split(',').map(Number));

/** A viewer's flags answered from their cached relations: set lookups, no I/O. */
export class CachedRelations implements ViewerFlagsSource {
  private readonly favorited: ReadonlySet<number>;
  private readonly followed: ReadonlySet<number>;

  constructor(entry: string) {
    const bar = entry.indexOf('|');
    if (bar === -1) throw new Error('not a relations entry');
    this.favorited = new Set(ids(entry.slice(0, bar)));
    this.followed = new Set(ids(entry.slice(bar + 1)));
  }

  among(authorIds: readonly number[], articleIds: readonly number[]): Promise<ViewerFlags> {
    return Promise.resolve({
      followedAuthorIds: new Set(authorIds.filter((id) => this.followed.has(id))),
      favoritedArticleIds: new Set(articleIds.filter((id) => this.favorited.has(id))),
    });
  }
}
