import pg from 'pg';

/** Shards of the sharded counters (article_totals, tag_article_counts): pg_backend_pid() % 16. */
export const COUNTER_SHARDS = 16;

export interface ShardWriters {
  a: pg.Client;
  b: pg.Client;
  shardA: number;
  shardB: number;
  /** Every connection opened (close them all). */
  all: pg.Client[];
}

/**
 * Two connections whose backends land on different counter shards (how the triggers pick the
 * shard), so a test can show that writers on different shards never wait for each other.
 */
export async function connectShardWriters(url: string): Promise<ShardWriters> {
  const all: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    all.push(client);
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    return { client, shard: pid % COUNTER_SHARDS };
  };
  const first = await connect();
  for (let i = 0; i < COUNTER_SHARDS * 4; i++) {
    const next = await connect();
    if (next.shard !== first.shard) return { a: first.client, b: next.client, shardA: first.shard, shardB: next.shard, all };
  }
  throw new Error('no two backends on different shards after 64 connections');
}

/** Inserts users to author test articles; returns their ids. */
export async function insertAuthors(client: pg.Client, prefix: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const { rows } = await client.query<{ id: number }>(`INSERT INTO users (email, username, password_hash, updated_at) VALUES ($1, $1, 'x', now()) RETURNING id`, [`${prefix}-${i}`]);
    ids.push(rows[0].id);
  }
  return ids;
}
