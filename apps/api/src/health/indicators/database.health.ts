import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type pg from 'pg';
import { PG_POOL } from '../../database/database.module.js';

/** PostgreSQL: `SELECT 1` through the app's own pool, so an exhausted pool shows here too. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool, private readonly health: HealthIndicatorService) {}

  check(timeoutMs: number) {
    return this.health
      .check('database')
      .attempt(async () => {
        await this.pool.query('SELECT 1');
        return { pool: { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount } };
      })
      .withTimeout(timeoutMs)
      // Many LB checks per second must not each cost a query.
      .cacheFor(250);
  }
}
