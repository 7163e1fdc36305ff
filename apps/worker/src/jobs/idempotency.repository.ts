import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../infra/tokens.js';

export type ClaimResult = { state: 'claimed' } | { state: 'done' } | { state: 'busy'; until: Date };

/**
 * Idempotency records for side effects outside our database (table job_idempotency, looked up
 * by its primary key). A job claims its key with a lease before acting and marks it completed
 * right after; a retried or duplicated job that finds it completed skips the side effect, and
 * one that finds a live lease (another worker is acting now) waits for the lease to end.
 * Tests: apps/worker/test/resilience.e2e.spec.ts ("retried after the email went out").
 */
@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const claimed = await this.pool.query(
      `INSERT INTO job_idempotency (key, claimed_until) VALUES ($1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
         WHERE job_idempotency.completed_at IS NULL
           AND (job_idempotency.claimed_until IS NULL OR job_idempotency.claimed_until < now())
       RETURNING key`,
      [key, leaseMs],
    );
    if (claimed.rowCount) return { state: 'claimed' };
    const { rows } = await this.pool.query<{ completed_at: Date | null; claimed_until: Date | null }>('SELECT completed_at, claimed_until FROM job_idempotency WHERE key = $1', [key]);
    if (rows[0]?.completed_at) return { state: 'done' };
    return { state: 'busy', until: rows[0]?.claimed_until ?? new Date() };
  }

  async complete(key: string): Promise<void> {
    await this.pool.query('UPDATE job_idempotency SET completed_at = now(), claimed_until = NULL WHERE key = $1', [key]);
  }

  /** Gives the key back after a failed attempt, so the retry need not wait for the lease. */
  async release(key: string): Promise<void> {
    await this.pool.query('UPDATE job_idempotency SET claimed_until = NULL WHERE key = $1 AND completed_at IS NULL', [key]);
  }
}
