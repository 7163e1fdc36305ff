import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectShardWriters, insertAuthors } from '../support/shard-writers.js';

/**
 * Pattern "sharded counter", per tag: a tag's article count is the sum of at most 16
 * tag_article_counts rows, and the trigger on article_tags adds to the writing backend's shard
 * (pg_backend_pid() % 16, migration 20261202020000_tag_count_shards). Two article creates that
 * share a popular tag, from backends on different shards, never wait for each other (neither in
 * the tag upsert nor in the counter), and every tag's sum stays exactly its article_tags count
 * under concurrent creates, retags and deletes.
 * "No wait" is asserted with lock_timeout (a lock wait fails with 55P03), not with timings.
 * The last test puts the former counter-in-the-tags-row trigger back and shows the check fails.
 */
const LOCK_NOT_AVAILABLE = '55P03';
const TAGS = ['popular', 'common', 'rare'];

describe('tag_article_counts: a sharded counter per tag', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let a: pg.Client;
  let b: pg.Client;
  let shardA: number;
  let authors: number[] = [];
  let opened: pg.Client[] = [];
  let slugs = 0;

  /** The rows ArticleWriteRepository.create writes (article, tags, article_tags in tag id order), as separate statements so a test can hold the transaction open. */
  async function createArticle(client: pg.Client, authorId: number, tags: string[]): Promise<number> {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO articles (slug, title, description, body, author_id, tag_list, updated_at) VALUES ($1, 't', 'd', 'b', $2, $3, now()) RETURNING id`,
      [`tag-shard-${++slugs}`, authorId, tags],
    );
    await client.query('INSERT INTO tags (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [tags]);
    await client.query('INSERT INTO article_tags (article_id, tag_id) SELECT $1, id FROM tags WHERE name = ANY($2::text[]) ORDER BY id ON CONFLICT DO NOTHING', [rows[0].id, tags]);
    return rows[0].id;
  }

  /** Tags whose shard sum differs from their article_tags count (must be none). */
  async function drift(): Promise<string[]> {
    const { rows } = await admin.query<{ name: string }>(`SELECT t.name FROM tags t
      WHERE COALESCE((SELECT sum(articles_count) FROM tag_article_counts WHERE tag_id = t.id), 0) <> (SELECT count(*) FROM article_tags WHERE tag_id = t.id)`);
    return rows.map((r) => r.name);
  }

  async function countOf(tag: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>('SELECT COALESCE(sum(c.articles_count), 0)::int AS n FROM tag_article_counts c JOIN tags t ON t.id = c.tag_id WHERE t.name = $1', [tag]);
    return rows[0].n;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    authors = await insertAuthors(admin, 'tag-shard-author', 4);
    ({ a, b, shardA, all: opened } = await connectShardWriters(db.url));
    // The tags exist (committed), as popular tags do.
    await createArticle(admin, authors[3], TAGS);
    await b.query(`SET lock_timeout = '200ms'`);
  });
  afterAll(async () => {
    for (const c of [admin, ...opened]) await c?.end().catch(() => {});
    await db?.drop();
  });

  it("counts into the writing backend's shard and refuses shard ids outside 0..15", async () => {
    await createArticle(a, authors[0], ['popular']);
    const { rows } = await admin.query<{ shard: number; n: number }>(
      `SELECT shard, articles_count AS n FROM tag_article_counts WHERE tag_id = (SELECT id FROM tags WHERE name = 'popular') AND shard = $1`,
      [shardA],
    );
    expect(rows).toEqual([{ shard: shardA, n: 1 }]);
    expect(await countOf('popular')).toBe(2);
    expect(await drift()).toEqual([]);
    const tagId = (await admin.query<{ id: number }>(`SELECT id FROM tags WHERE name = 'popular'`)).rows[0].id;
    await expect(admin.query('INSERT INTO tag_article_counts (tag_id, shard, articles_count) VALUES ($1, 16, 0)', [tagId])).rejects.toMatchObject({ code: '23514' });
  });

  it('a create sharing every tag with an open create on another shard goes through without a lock wait', async () => {
    await a.query('BEGIN');
    try {
      await createArticle(a, authors[0], TAGS);
      await expect(createArticle(b, authors[1], TAGS)).resolves.toBeGreaterThan(0);
    } finally {
      await a.query('COMMIT');
    }
    expect(await countOf('popular')).toBe(4);
    expect(await drift()).toEqual([]);
  });

  it("keeps every tag's sum exact under concurrent creates, retags and deletes", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 8 });
    try {
      const doomed: number[] = [];
      for (let i = 0; i < 12; i++) doomed.push(await createArticle(a, authors[i % 4], TAGS.slice(0, 1 + (i % 3))));
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        work.push(
          (async () => {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              await createArticle(client as unknown as pg.Client, authors[i % 4], TAGS.slice(i % 3));
              await client.query('COMMIT');
            } finally {
              client.release();
            }
          })(),
        );
      }
      // Retag half of the doomed articles (delete + insert article_tags, as update() does), delete the rest.
      for (const [i, id] of doomed.entries()) {
        work.push(
          i % 2 === 0
            ? (async () => {
                const client = await pool.connect();
                try {
                  await client.query('BEGIN');
                  await client.query('DELETE FROM article_tags WHERE article_id = $1', [id]);
                  await client.query(`INSERT INTO article_tags (article_id, tag_id) SELECT $1, id FROM tags WHERE name = ANY($2::text[]) ORDER BY id`, [id, ['rare']]);
                  await client.query('COMMIT');
                } finally {
                  client.release();
                }
              })()
            : pool.query('DELETE FROM articles WHERE id = $1', [id]),
        );
      }
      await Promise.all(work);
    } finally {
      await pool.end();
    }
    expect(await drift()).toEqual([]);
    const { rows } = await admin.query<{ n: number }>(`SELECT count(DISTINCT shard)::int AS n FROM tag_article_counts WHERE tag_id = (SELECT id FROM tags WHERE name = 'rare')`);
    expect(rows[0].n).toBeGreaterThan(1);
  });

  it('the check can fail: with the counter in the tags row the second create waits (lock timeout)', async () => {
    await admin.query(`ALTER TABLE tags ADD COLUMN articles_count integer NOT NULL DEFAULT 0`);
    await admin.query(`CREATE OR REPLACE FUNCTION conduit_article_tag_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE tags SET articles_count = articles_count + 1 WHERE id = NEW.tag_id;
    RETURN NEW;
  END IF;
  UPDATE tags SET articles_count = articles_count - 1 WHERE id = OLD.tag_id;
  RETURN OLD;
END $$`);
    await a.query('BEGIN');
    try {
      await createArticle(a, authors[0], TAGS);
      await expect(createArticle(b, authors[1], TAGS)).rejects.toMatchObject({ code: LOCK_NOT_AVAILABLE });
    } finally {
      await a.query('ROLLBACK');
    }
  });
});
