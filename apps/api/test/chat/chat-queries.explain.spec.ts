import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_SQL } from '../../src/chat/chat.repository.js';

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/**
 * The chat hot queries (the exact SQL of ChatRepository) on 100k messages in 50 rooms: for a quiet
 * room (the case where walking the primary key would read most of the table) history and replay
 * use chat_messages_room_id_idx; for a busy room the planner streams a page newest-first from an
 * index (this one or the primary key) without sorting or scanning the table. The batched insert
 * checks membership via chat_members_pkey.
 */
describe('chat queries use their indexes (EXPLAIN)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let roomId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO users (email, username, password_hash, updated_at)
                        SELECT 'u' || g || '@example.test', 'u' || g, 'x', now() FROM generate_series(1, 100) g`);
    await client.query(`INSERT INTO chat_rooms (name, created_by_id) SELECT 'room ' || g, 1 FROM generate_series(1, 50) g`);
    await client.query(`INSERT INTO chat_members (room_id, user_id) SELECT r, u FROM generate_series(1, 50) r, generate_series(1, 100) u`);
    // 49 busy rooms share 100k messages; room 50 is quiet (50 messages spread over the whole history).
    await client.query(`INSERT INTO chat_messages (room_id, author_id, body)
                        SELECT CASE WHEN g % 2000 = 0 THEN 50 ELSE 1 + g % 49 END, 1 + g % 100, 'message ' || g FROM generate_series(1, 100000) g`);
    // Statistics over every row (not a sample), so the planner knows room 50 is rare on every run.
    await client.query('ALTER TABLE chat_messages ALTER COLUMN room_id SET STATISTICS 1000');
    await client.query('VACUUM ANALYZE chat_messages, chat_members, users');
    roomId = 50;
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const plan = async (sql: string, values: unknown[]): Promise<PlanNode[]> => {
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
    return nodes(rows[0]['QUERY PLAN'][0].Plan);
  };

  it("a quiet room's history page reads its few rows through chat_messages_room_id_idx", async () => {
    const all = await plan(CHAT_SQL.history, [roomId, 80_000, 50]);
    // (With ~50 matching rows the planner may bitmap-scan the index and sort them: never the table.)
    expect(all.some((n) => n['Index Name'] === 'chat_messages_room_id_idx')).toBe(true);
    expect(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'chat_messages')).toBe(false);
  });

  it("a busy room's history page streams newest-first from an index: no sort, no table scan", async () => {
    const all = await plan(CHAT_SQL.history, [7, 80_000, 50]);
    expect(all.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    expect(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'chat_messages')).toBe(false);
  });

  it('reconnect replay (after an id, oldest first) reads through the same index', async () => {
    const all = await plan(CHAT_SQL.since, [roomId, 50_000, 501]);
    // (The planner may fetch the few matching rows through a bitmap scan of the index and sort
    // them: at most LIMIT rows, never the table.)
    expect(all.some((n) => n['Index Name'] === 'chat_messages_room_id_idx')).toBe(true);
    expect(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'chat_messages')).toBe(false);
  });

  it("batched insert checks membership with chat_members_pkey and stores only members' rows", async () => {
    const all = await plan(CHAT_SQL.insertMessages, [
      [roomId, roomId],
      [1, 2],
      ['a', 'b'],
      [null, null],
    ]);
    expect(all.some((n) => n['Index Name'] === 'chat_members_pkey')).toBe(true);
    expect(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'chat_members')).toBe(false);
    await client.query('DELETE FROM chat_members WHERE room_id = $1 AND user_id = 2', [roomId]);
    const { rows } = await client.query(CHAT_SQL.insertMessages, [
      [roomId, roomId, roomId],
      [1, 2, 3],
      ['first', 'not a member', 'third'],
      [null, null, null],
    ]);
    expect(rows.map((r) => Number(r.n)).sort()).toEqual([1, 3]);
  });

  it('batched insert finds a resent client id through chat_messages_author_client_id_key, not a scan', async () => {
    const clientId = '6f1c2f0e-3b7a-4d8e-9c1a-2b3c4d5e6f70';
    const first = await client.query(CHAT_SQL.insertMessages, [[roomId], [1], ['once'], [clientId]]);
    expect(first.rows[0]).toMatchObject({ replayed: false });
    const again = await client.query(CHAT_SQL.insertMessages, [[roomId], [1], ['once, resent'], [clientId]]);
    expect(again.rows[0]).toMatchObject({ id: first.rows[0].id, body: 'once', replayed: true });
    const all = await plan(CHAT_SQL.insertMessages, [[roomId], [1], ['x'], [clientId]]);
    expect(all.some((n) => n['Index Name'] === 'chat_messages_author_client_id_key')).toBe(true);
    expect(all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'chat_messages')).toBe(false);
  });
});
