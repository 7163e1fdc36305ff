import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../infra/tokens.js';

/** users.image update by primary key (users_pkey). */
@Injectable()
export class UserImageRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /**
   * Points users.image at an upload's resized file unless it already shows a NEWER upload
   * (upload ids are UUIDv7: they sort by upload time; the id sits at /api/images/<id>-...).
   * Returns false if nothing changed (user gone, or a newer upload already won).
   */
  async setImage(userId: number, url: string, uploadId: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE users SET image = $2, updated_at = now()
       WHERE id = $1
         AND (image IS NULL OR image !~ '^/api/images/[0-9a-f-]{36}-' OR substring(image from 13 for 36) <= $3)`,
      [userId, url, uploadId],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
