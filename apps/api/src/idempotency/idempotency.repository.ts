import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';

export interface IdempotencyRecord {
  fingerprint: string;
  /** null while the first request is still in progress. */
  responseStatus: number | null;
  responseBody: string | null;
  /** The created row's id, set by the create statement itself (same commit); null until then. */
  resourceId: number | null;
}

/** idempotency_keys rows; every statement is a primary-key access (idempotency_keys_pkey). */
@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /**
   * Claims (user, key) for one request under `token`. Exactly one of any number of concurrent
   * claims wins: the losers block on the winner's uncommitted row, then see the conflict. An
   * expired key, or an in-progress claim whose lease lapsed (its process died) and whose create
   * never committed (resource_id NULL), is taken over. A key whose create committed is never taken
   * over: a retry replays it, even if the process died before storing the response.
   */
  async claim(userId: number, key: string, fingerprint: string, token: string, leaseMs: number, ttlMs: number): Promise<boolean> {
    const rows = await sqlRows<{ claimed: boolean }>(
      this.pool,
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, claim_token, locked_until, expires_at)
VALUES ($1, $2, $3, $4::uuid, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 millisecond')
ON CONFLICT (user_id, key) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, response_status = NULL, response_body = NULL, resource_id = NULL, claim_token = EXCLUDED.claim_token,
      locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
  WHERE idempotency_keys.expires_at <= now()
     OR (idempotency_keys.response_status IS NULL AND idempotency_keys.resource_id IS NULL AND idempotency_keys.locked_until <= now())
RETURNING true AS claimed`,
      [userId, key, fingerprint, token, leaseMs, ttlMs],
    );
    return rows.length === 1;
  }

  async find(userId: number, key: string): Promise<IdempotencyRecord | null> {
    const rows = await sqlRows<{ fingerprint: string; response_status: number | null; response_body: string | null; resource_id: number | null }>(
      this.pool,
      `SELECT fingerprint, response_status, response_body, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND expires_at > now()`,
      [userId, key],
    );
    const row = rows[0];
    return row ? { fingerprint: row.fingerprint, responseStatus: row.response_status, responseBody: row.response_body, resourceId: row.resource_id } : null;
  }

  async complete(userId: number, key: string, status: number, body: string): Promise<void> {
    await sqlRows(this.pool, `UPDATE idempotency_keys SET response_status = $3, response_body = $4, locked_until = now() WHERE user_id = $1 AND key = $2`, [userId, key, status, body]);
  }

  /** The request failed before its create committed: forget the claim so a retry runs again. */
  async release(userId: number, key: string, token: string): Promise<void> {
    await sqlRows(this.pool, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND claim_token = $3::uuid AND response_status IS NULL AND resource_id IS NULL`, [userId, key, token]);
  }

  /** Deletes up to `batch` expired keys (index idempotency_keys_expires_at_idx). Returns the count. */
  async purgeExpired(batch: number): Promise<number> {
    const result = await this.pool.query(`DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1))`, [batch]);
    return result.rowCount ?? 0;
  }
}
