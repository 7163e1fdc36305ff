import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';

/** The operator role: users.is_operator (migration 20261202050000_operator_role), granted with `npm run ops:grant`. */
@Injectable()
export class OpsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Index: users_pkey. Read on every /ops request: a revoked role takes effect at once. */
  async isOperator(userId: number): Promise<boolean> {
    const rows = await sqlRows<{ is_operator: boolean }>(this.pool, 'SELECT is_operator FROM users WHERE id = $1', [userId]);
    return rows[0]?.is_operator === true;
  }
}
