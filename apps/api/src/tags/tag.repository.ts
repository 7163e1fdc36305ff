import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';
import { ReadRouter } from '../database/replica/read-router.js';

/** Tag queries. */
@Injectable()
export class TagRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly router: ReadRouter,
  ) {}

  /**
   * Tags in use by at least one article (tags whose articles were all deleted disappear),
   * alphabetical, capped. A tag's count is the sum of its shard rows in tag_article_counts (at
   * most 16, kept by a trigger on article_tags), so this is O(tags): one primary-key range per
   * tag, never a probe into article_tags, whatever the number of articles.
   * Indexes: tags_name_key (ordered scan), tag_article_counts_pkey.
   */
  async inUse(limit: number): Promise<string[]> {
    const rows = await this.router.read((db) =>
      sqlRows<{ name: string }>(
        db,
        `SELECT t.name FROM tags t
WHERE (SELECT sum(c.articles_count) FROM tag_article_counts c WHERE c.tag_id = t.id) > 0
ORDER BY t.name
LIMIT $1`,
        [limit],
      ),
    );
    return rows.map((r) => r.name);
  }
}
