import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/database.module.js';

/** The one query authentication needs: does a token's user still exist? */
@Injectable()
export class AuthUserRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Primary-key lookup (users_pkey), a prepared statement. Throws when the database cannot answer. */
  async exists(id: number): Promise<boolean> {
    const result = await this.pool.query({ name: 'auth_user_exists', text: 'SELECT 1 FROM users WHERE id = $1', values: [id] });
    return result.rowCount === 1;
  }
}
