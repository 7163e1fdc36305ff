import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../infra/tokens.js';

/** users.image update by primary key (users_pkey). */
@Injectable()
export class UserImageRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Returns false if the user no longer exists. */
  async setImage(userId: number, url: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE users SET image = $2, updated_at = now() WHERE id = $1', [userId, url]);
    return (result.rowCount ?? 0) > 0;
  }
}
