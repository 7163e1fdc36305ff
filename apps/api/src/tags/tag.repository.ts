import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';

/** Tag queries. */
@Injectable()
export class TagRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /**
   * Tags in use by at least one article (tags whose articles were all deleted disappear),
   * alphabetical, capped. Indexes: tags_name_key (ordered scan), then one probe per tag into
   * article_tags_tag_article_idx (tag_id, article_id) for the EXISTS.
   */
  async inUse(limit: number): Promise<string[]> {
    const rows = await sqlRows<{ name: string }>(
      this.pool,
      `SELECT t.name FROM tags t
WHERE EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id)
ORDER BY t.name
LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.name);
  }
}
