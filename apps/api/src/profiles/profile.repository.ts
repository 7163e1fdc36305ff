import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';
import { ReadRouter } from '../database/replica/read-router.js';
import type { ProfileCore } from './profile.types.js';

/** Profile and follow queries. */
@Injectable()
export class ProfileRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly router: ReadRouter,
  ) {}

  /** Index: users_username_key (unique). */
  async findByUsername(username: string): Promise<ProfileCore | null> {
    const rows = await this.router.read((db) => sqlRows<ProfileCore>(db, 'SELECT id, username, bio, image FROM users WHERE username = $1', [username]));
    return rows[0] ?? null;
  }

  /**
   * Follows the user called `username` and returns them, in ONE statement on the primary: the
   * lookup (users_username_key) and the idempotent insert (follows_pkey, ON CONFLICT DO NOTHING;
   * following twice is not an error). Nobody follows themself: the insert skips that row, the
   * caller refuses it. Null: no such user. Tests: apps/api/test/profiles/profiles.e2e.spec.ts, statement count
   * in apps/api/test/articles/list-statement-count.int.spec.ts.
   */
  async followByUsername(followerId: number, username: string): Promise<ProfileCore | null> {
    return this.changeFollow(
      `WITH target AS (SELECT id, username, bio, image FROM users WHERE username = $2),
changed AS (INSERT INTO follows (follower_id, following_id) SELECT $1, id FROM target WHERE id <> $1 ON CONFLICT DO NOTHING RETURNING 1)
SELECT id, username, bio, image FROM target`,
      followerId,
      username,
    );
  }

  /** The mirror of followByUsername(): an idempotent delete by follows_pkey. */
  async unfollowByUsername(followerId: number, username: string): Promise<ProfileCore | null> {
    return this.changeFollow(
      `WITH target AS (SELECT id, username, bio, image FROM users WHERE username = $2),
changed AS (DELETE FROM follows WHERE follower_id = $1 AND following_id IN (SELECT id FROM target) RETURNING 1)
SELECT id, username, bio, image FROM target`,
      followerId,
      username,
    );
  }

  private async changeFollow(text: string, followerId: number, username: string): Promise<ProfileCore | null> {
    const rows = await sqlRows<ProfileCore>(this.pool, text, [followerId, username]);
    return rows[0] ?? null;
  }
}
