import { createTestDatabase, TestRedisServer, type TestDatabase } from '@conduit/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lsnReached } from './lsn.js';
import { WriteWatermark, writeWatermarkKey } from './write-watermark.js';

/** The watermark on a real PostgreSQL and a real redis-server: stored, only raised, compared as WAL positions. */
describe('WriteWatermark', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let server: TestRedisServer;
  let redis: Redis;
  const key = writeWatermarkKey('wm-test:');

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    server = new TestRedisServer();
    await server.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await pool?.end();
    await db?.drop();
  });

  const insertLsn = async () => (await pool.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;

  it('covers everything before the first write, then only positions at or past the write', async () => {
    const watermark = new WriteWatermark(pool, redis, key, 60_000);
    await redis.del(key);
    expect(await watermark.covers('0/0')).toBe(true);

    await pool.query('CREATE TABLE IF NOT EXISTS wm_probe (n int)');
    await pool.query('INSERT INTO wm_probe VALUES (1)');
    const afterCommit = await insertLsn();
    await watermark.raise();
    const stored = (await redis.get(key))!;
    expect(lsnReached(stored, afterCommit)).toBe(true); // at or past the commit
    expect(await watermark.covers('0/0')).toBe(false);
    expect(await watermark.covers(stored)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(50_000);
  });

  it('never lowers the stored position (writers that finish out of order)', async () => {
    const watermark = new WriteWatermark(pool, redis, key, 60_000);
    await redis.set(key, 'FFFFFFF/0');
    await watermark.raise();
    expect(await redis.get(key)).toBe('FFFFFFF/0');
    await redis.set(key, '0/1');
    await watermark.raise();
    expect(lsnReached((await redis.get(key))!, '0/2')).toBe(true);
  });
});
