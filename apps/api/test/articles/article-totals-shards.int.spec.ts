import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_SHARDS as SHARDS, connectShardWriters, insertAuthors } from '../support/shard-writers.js';

/**
 * Pattern "sharded counter": the global articlesCount is the sum of 16 article_totals rows and
 * the trigger on articles adds to the writing backend's shard (pg_backend_pid() % 16, migration
 * 20261202010000_article_totals_shards). Two writers on different shards never wait for each
 * other, and the sum stays exactly count(*) under concurrent creates and deletes.
 * "No wait" is asserted with lock_timeout (a lock wait fails with 55P03), not with timings.
 * The last test puts the former single-row trigger back and shows the same check fails.
 */
const LOCK_NOT_AVAILABLE = '55P03';

describe('article_totals: a sharded counter', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let a: pg.Client;
  let b: pg.Client;
  let shardA: number;
  let shardB: number;
  let authors: number[] = [];
  let opened: pg.Client[] = [];
  let slugs = 0;

  async function insertArticle(client: pg.Client, authorId: number): Promise<number> {
    const { rows } = await client.query<{ id: number }>(`INSERT INTO articles (slug, title, description, body, author_id, updated_at) VALUES ($1, 't', 'd', 'b', $2, now()) RETURNING id`, [
      `shard-test-${++slugs}`,
      authorId,
    ]);
    return rows[0].id;
  }

  async function totals(): Promise<{ sum: number; count: number }> {
    const { rows } = await admin.query<{ sum: number; count: number }>(
      'SELECT (SELECT COALESCE(sum(articles_count), 0)::int FROM article_totals) AS sum, (SELECT count(*)::int FROM articles) AS count',
    );
    return rows[0];
  }

  async function rejectsWithLockTimeout(run: Promise<unknown>): Promise<void> {
    await expect(run).rejects.toMatchObject({ code: LOCK_NOT_AVAILABLE });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    authors = await insertAuthors(admin, 'shard-author', 4);
    ({ a, b, shardA, shardB, all: opened } = await connectShardWriters(db.url));
    // Each writer waits at most 200 ms for a lock: a wait is an error, not a slow test.
    await b.query(`SET lock_timeout = '200ms'`);
  });
  afterAll(async () => {
    for (const c of [admin, ...opened]) await c?.end().catch(() => {});
    await db?.drop();
  });

  it('starts as 16 shard rows summing to count(*), and recreates a missing shard row instead of losing the count', async () => {
    const shards = await admin.query<{ id: number }>('SELECT id FROM article_totals ORDER BY id');
    expect(shards.rows.map((r) => r.id)).toEqual([...Array(SHARDS).keys()]);
    expect(await totals()).toEqual({ sum: 0, count: 0 });
    await admin.query('DELETE FROM article_totals WHERE id = $1', [shardA]);
    await insertArticle(a, authors[0]);
    const row = await admin.query<{ n: number }>('SELECT articles_count AS n FROM article_totals WHERE id = $1', [shardA]);
    expect(row.rows).toEqual([{ n: 1 }]);
    expect(await totals()).toEqual({ sum: 1, count: 1 });
    // Shard ids outside 0..15 are refused: readers sum at most 16 rows.
    await expect(admin.query('INSERT INTO article_totals (id, articles_count) VALUES (16, 0)')).rejects.toMatchObject({ code: '23514' });
  });

  it('a second article insert on another shard does not wait for an open transaction that created one', async () => {
    await a.query('BEGIN');
    try {
      await insertArticle(a, authors[0]);
      // The open transaction holds its shard row (a writer on that shard would wait) ...
      await rejectsWithLockTimeout(b.query('UPDATE article_totals SET articles_count = articles_count WHERE id = $1', [shardA]));
      // ... and a create on another shard, by another author, goes through without a lock wait.
      await expect(insertArticle(b, authors[1])).resolves.toBeGreaterThan(0);
    } finally {
      await a.query('COMMIT');
    }
    expect(await totals()).toEqual({ sum: 3, count: 3 });
  });

  it('keeps sum(articles_count) = count(*) and every author counter exact under concurrent creates and deletes', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 6 });
    // Here writers may briefly queue on a shared author row: that is allowed, only exactness is checked.
    await b.query('SET lock_timeout = 0');
    try {
      // Articles to delete later, created on shard A: deleting them from other backends drives
      // some shards negative, which the sum must absorb.
      const doomed: number[] = [];
      for (let i = 0; i < 12; i++) doomed.push(await insertArticle(a, authors[i % 4]));
      // One chain of statements per pinned client (a pg.Client runs one query at a time), the
      // rest spread over the pool: 40 creates and 12 deletes in flight together.
      const jobs: Array<{ on: 'a' | 'b' | 'pool'; sql: string; params: unknown[] }> = [];
      const insert = `INSERT INTO articles (slug, title, description, body, author_id, updated_at) VALUES ($1, 't', 'd', 'b', $2, now())`;
      for (let i = 0; i < 40; i++) jobs.push({ on: i % 4 === 0 ? 'a' : i % 4 === 1 ? 'b' : 'pool', sql: insert, params: [`concurrent-${i}`, authors[i % 4]] });
      for (const [i, id] of doomed.entries()) jobs.push({ on: i % 2 === 0 ? 'b' : 'pool', sql: 'DELETE FROM articles WHERE id = $1', params: [id] });
      const chain = async (client: pg.Client, on: 'a' | 'b') => {
        for (const j of jobs.filter((x) => x.on === on)) await client.query(j.sql, j.params);
      };
      const work = [chain(a, 'a'), chain(b, 'b'), ...jobs.filter((j) => j.on === 'pool').map((j) => pool.query(j.sql, j.params))];
      await Promise.all(work);
    } finally {
      await pool.end();
      await b.query(`SET lock_timeout = '200ms'`);
    }
    const now = await totals();
    expect(now.count).toBe(3 + 12 + 40 - 12);
    expect(now.sum).toBe(now.count);
    const drift = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM users u WHERE articles_count <> (SELECT count(*) FROM articles WHERE author_id = u.id)');
    expect(drift.rows[0].n).toBe(0);
    // The writes really were spread: both pinned writers' shards hold counts.
    const used = await admin.query<{ id: number }>('SELECT id FROM article_totals WHERE articles_count <> 0 ORDER BY id');
    expect(used.rows.map((r) => r.id)).toEqual(expect.arrayContaining([shardA, shardB]));
  });

  it('the check can fail: with the former single-row trigger the second insert waits (lock timeout)', async () => {
    await admin.query(`CREATE OR REPLACE FUNCTION conduit_article_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE article_totals SET articles_count = articles_count + 1 WHERE id = 1;
    UPDATE users SET articles_count = articles_count + 1 WHERE id = NEW.author_id;
    RETURN NEW;
  END IF;
  UPDATE article_totals SET articles_count = articles_count - 1 WHERE id = 1;
  UPDATE users SET articles_count = articles_count - 1 WHERE id = OLD.author_id;
  RETURN OLD;
END $$`);
    await a.query('BEGIN');
    try {
      await insertArticle(a, authors[0]);
      await rejectsWithLockTimeout(insertArticle(b, authors[1]));
    } finally {
      await a.query('ROLLBACK');
    }
  });
});
