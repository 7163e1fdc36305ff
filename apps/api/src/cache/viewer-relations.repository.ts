import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { ViewerFlags } from '../articles/article.types.js';
import { sqlRows } from '../common/sql.js';
import { ReadRouter } from '../database/replica/read-router.js';
import { encodeRelations, TOO_MANY_RELATIONS } from './viewer-relations.js';

/**
 * The SQL behind signed-in viewers' flags (`favorited`, `following`): their whole follow and
 * favorite sets for the cache, or the flags of one page. Both read through the ReadRouter (a
 * viewer's own write moves the replica watermark first) and use the primary keys
 * favorites (user_id, article_id) and follows (follower_id, following_id).
 * Tests: apps/api/test/cache/viewer-relations.e2e.spec.ts.
 */
@Injectable()
export class ViewerRelationsRepository {
  private readonly max: number;

  constructor(
    private readonly router: ReadRouter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.max = config.CACHE_VIEWER_RELATIONS_MAX;
  }

  /**
   * The viewer's favorited article ids and followed user ids, encoded for the cache
   * (encodeRelations); TOO_MANY_RELATIONS when either set holds more than
   * CACHE_VIEWER_RELATIONS_MAX ids. One statement that reads at most max + 1 rows of each set.
   */
  async load(viewerId: number): Promise<string> {
    if (this.max === 0) return TOO_MANY_RELATIONS;
    const rows = await this.router.read((db) =>
      sqlRows<{ kind: 'follow' | 'favorite'; id: number }>(
        db,
        `(SELECT 'favorite' AS kind, article_id AS id FROM favorites WHERE user_id = $1 LIMIT $2)
UNION ALL
(SELECT 'follow' AS kind, following_id AS id FROM follows WHERE follower_id = $1 LIMIT $2)`,
        [viewerId, this.max + 1],
      ),
    );
    const favorited: number[] = [];
    const followed: number[] = [];
    for (const row of rows) (row.kind === 'favorite' ? favorited : followed).push(row.id);
    if (favorited.length > this.max || followed.length > this.max) return TOO_MANY_RELATIONS;
    return encodeRelations({ favorited, followed });
  }

  /** Of these authors and articles, the ones the viewer follows and favorited: ONE statement, bounded by the page. */
  async among(viewerId: number, authorIds: readonly number[], articleIds: readonly number[]): Promise<ViewerFlags> {
    if (authorIds.length === 0 && articleIds.length === 0) return { followedAuthorIds: new Set(), favoritedArticleIds: new Set() };
    const rows = await this.router.read((db) =>
      sqlRows<{ kind: 'follow' | 'favorite'; id: number }>(
        db,
        `SELECT 'follow' AS kind, following_id AS id FROM follows WHERE follower_id = $1 AND following_id = ANY($2::int[])
UNION ALL
SELECT 'favorite' AS kind, article_id AS id FROM favorites WHERE user_id = $1 AND article_id = ANY($3::int[])`,
        [viewerId, [...new Set(authorIds)], [...new Set(articleIds)]],
      ),
    );
    const followedAuthorIds = new Set<number>();
    const favoritedArticleIds = new Set<number>();
    for (const row of rows) (row.kind === 'follow' ? followedAuthorIds : favoritedArticleIds).add(row.id);
    return { followedAuthorIds, favoritedArticleIds };
  }
}
