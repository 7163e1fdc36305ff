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
   * Which of `userIds` the follower follows: one statement for any number of ids (the
   * "following" overlay for a profile or a page of comments). Index: follows_pkey
   * (follower_id, following_id).
   */
  async followedAmong(followerId: number, userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.router.read((db) =>
      sqlRows<{ following_id: number }>(db, 'SELECT following_id FROM follows WHERE follower_id = $1 AND following_id = ANY($2::int[])', [followerId, [...new Set(userIds)]]),
    );
    return new Set(rows.map((r) => r.following_id));
  }

  /** Idempotent: INSERT ... ON CONFLICT DO NOTHING on follows_pkey (following twice is not an error). */
  async follow(followerId: number, followingId: number): Promise<void> {
    await sqlRows(this.pool, 'INSERT INTO follows (follower_id, following_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [followerId, followingId]);
  }

  /** Idempotent delete by follows_pkey. */
  async unfollow(followerId: number, followingId: number): Promise<void> {
    await sqlRows(this.pool, 'DELETE FROM follows WHERE follower_id = $1 AND following_id = $2', [followerId, followingId]);
  }
}
