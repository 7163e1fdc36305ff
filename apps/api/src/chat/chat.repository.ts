import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { PG_POOL, PRISMA } from '../database/database.module.js';
import { rethrowAsDomainError } from '../common/domain-errors.js';

export interface RoomRow {
  id: number;
  name: string;
  createdAt: Date;
}

export interface MessageRow {
  id: number;
  roomId: number;
  authorId: number;
  authorUsername: string;
  body: string;
  createdAt: Date;
}

export interface NewMessage {
  roomId: number;
  authorId: number;
  body: string;
  /** The sender's id for the message (UUID), unique per author; absent from older clients. */
  clientId?: string;
}

/** A stored message as the writer reports it; `replayed` when it was stored by an earlier send with the same client id. */
export interface StoredMessage {
  id: number;
  createdAt: Date;
  roomId: number;
  body: string;
  replayed: boolean;
}

interface RawStored {
  n: string;
  id: number | null;
  created_at: Date | null;
  room_id: number;
  body: string;
  replayed: boolean;
}

interface RawMessage {
  id: number;
  room_id: number;
  author_id: number;
  username: string;
  body: string;
  created_at: Date;
}

/**
 * The hot chat statements (run as named prepared statements on the pg pool). Their index use is
 * checked by apps/api/test/chat/chat-queries.explain.spec.ts.
 */
export const CHAT_SQL = {
  // chat_messages_room_id_idx (room_id, id DESC), scanned backwards from the cursor: no sort.
  history: `SELECT m.id, m.room_id, m.author_id, u.username, m.body, m.created_at
            FROM chat_messages m JOIN users u ON u.id = m.author_id
            WHERE m.room_id = $1 AND m.id < $2
            ORDER BY m.id DESC
            LIMIT $3`,
  // Same index, scanned forwards from the client's last id.
  since: `SELECT m.id, m.room_id, m.author_id, u.username, m.body, m.created_at
          FROM chat_messages m JOIN users u ON u.id = m.author_id
          WHERE m.room_id = $1 AND m.id > $2
          ORDER BY m.id ASC
          LIMIT $3`,
  // Group commit: one statement per batch; membership per row via chat_members_pkey. A row whose
  // (author_id, client_id) is already stored (a resend after a lost ack) inserts nothing
  // (chat_messages_author_client_id_key) and answers with the stored twin, found by the same index.
  // A twin committed by a concurrent statement is invisible to this one's snapshot: such a row
  // comes back with a NULL id and is looked up again (storedByClientId).
  insertMessages: `WITH v AS (
                     SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::uuid[]) WITH ORDINALITY AS v(room_id, author_id, body, client_id, n)
                   ), ok AS (
                     SELECT v.*, nextval(pg_get_serial_sequence('chat_messages', 'id'))::int AS id FROM v
                     WHERE EXISTS (SELECT 1 FROM chat_members m WHERE m.room_id = v.room_id AND m.user_id = v.author_id)
                   ), ins AS (
                     INSERT INTO chat_messages (id, room_id, author_id, body, client_id) SELECT id, room_id, author_id, body, client_id FROM ok ORDER BY n
                     ON CONFLICT (author_id, client_id) DO NOTHING
                     RETURNING id, created_at
                   )
                   SELECT ok.n, COALESCE(ins.id, twin.id) AS id, COALESCE(ins.created_at, twin.created_at) AS created_at,
                          COALESCE(twin.room_id, ok.room_id) AS room_id, COALESCE(twin.body, ok.body) AS body, ins.id IS NULL AS replayed
                   FROM ok LEFT JOIN ins USING (id)
                   LEFT JOIN chat_messages twin ON ins.id IS NULL AND twin.author_id = ok.author_id AND twin.client_id = ok.client_id`,
  // Per room: the newest id, and the newest id old enough to be surely committed (created more than
  // $2 ms ago: longer than any insert statement may run), both from chat_messages_room_id_idx
  // scanned backwards (one LATERAL probe each per room). The room array is passed opaquely
  // (an InitPlan, see article-list.sql.ts): as a bare unnest($1) a custom plan was estimated from
  // the array's length and looked cheaper than the generic one, so every execution was planned
  // again (0.33 ms of planning per 0.20 ms run in bench:cost). Tested in apps/api/test/db/plan-cache.spec.ts.
  heads: `SELECT r.id AS room_id, last.id AS last_id, COALESCE(safe.id, 0) AS safe_id
          FROM unnest((SELECT $1::int[])::int[]) AS r(id)
          LEFT JOIN LATERAL (SELECT m.id FROM chat_messages m WHERE m.room_id = r.id ORDER BY m.id DESC LIMIT 1) last ON true
          LEFT JOIN LATERAL (SELECT m.id FROM chat_messages m WHERE m.room_id = r.id AND m.created_at < now() - $2 * interval '1 millisecond' ORDER BY m.id DESC LIMIT 1) safe ON true`,
  // chat_messages_author_client_id_key
  storedByClientId: `SELECT id, room_id, body, created_at FROM chat_messages WHERE author_id = $1 AND client_id = $2`,
} as const;

const toMessage = (r: RawMessage): MessageRow => ({
  id: r.id,
  roomId: r.room_id,
  authorId: r.author_id,
  authorUsername: r.username,
  body: r.body,
  createdAt: r.created_at,
});

/** All chat queries; each names the index it uses (prisma/schema.prisma). */
@Injectable()
export class ChatRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  listRooms(limit: number): Promise<RoomRow[]> {
    return this.prisma.chatRoom.findMany({ select: { id: true, name: true, createdAt: true }, orderBy: { id: 'asc' }, take: limit });
  }

  findRoom(id: number): Promise<RoomRow | null> {
    return this.prisma.chatRoom.findUnique({ where: { id }, select: { id: true, name: true, createdAt: true } });
  }

  /** chat_members_user_idx */
  async roomIdsOf(userId: number): Promise<Set<number>> {
    const rows = await this.prisma.chatMember.findMany({ where: { userId }, select: { roomId: true } });
    return new Set(rows.map((r) => r.roomId));
  }

  /** Creates the room with its creator as first member, atomically. chat_rooms_name_key rejects twins. */
  /** Throws UniqueConflict when the name is taken. */
  createRoom(name: string, userId: number): Promise<RoomRow> {
    return this.prisma.chatRoom
      .create({
        data: { name, createdById: userId, members: { create: { userId } } },
        select: { id: true, name: true, createdAt: true },
      })
      .catch(rethrowAsDomainError);
  }

  /** Primary key (room_id, user_id); idempotent. */
  async addMember(roomId: number, userId: number): Promise<void> {
    await this.prisma.$executeRaw`INSERT INTO chat_members (room_id, user_id) VALUES (${roomId}, ${userId}) ON CONFLICT DO NOTHING`;
  }

  async removeMember(roomId: number, userId: number): Promise<boolean> {
    const { count } = await this.prisma.chatMember.deleteMany({ where: { roomId, userId } });
    return count > 0;
  }

  /** Primary key lookup. */
  async isMember(roomId: number, userId: number): Promise<boolean> {
    const row = await this.prisma.chatMember.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { userId: true } });
    return row !== null;
  }

  /**
   * Stores a batch of messages in ONE statement and ONE commit (group commit, see
   * chat-message.writer.ts). A row is stored only if its author is (still) a member: the
   * membership check (chat_members_pkey) and the insert cannot be split by a concurrent leave.
   * A row whose client id its author already used stores nothing and returns the stored message
   * (`replayed`). Returns, per input position, the stored message, or null for a non-member.
   * Named prepared statement on the pg pool: planned once per connection, no Prisma query
   * compilation on the event loop for the hottest chat query. Benchmarked by `npm run bench:chat`.
   */
  async insertMessages(rows: NewMessage[]): Promise<(StoredMessage | null)[]> {
    const { rows: stored } = await this.pool.query<RawStored>({
      name: 'chat_insert_messages_if_member_once',
      text: CHAT_SQL.insertMessages,
      values: [rows.map((r) => r.roomId), rows.map((r) => r.authorId), rows.map((r) => r.body), rows.map((r) => r.clientId ?? null)],
    });
    const result: (StoredMessage | null)[] = rows.map(() => null);
    for (const r of stored) {
      const i = Number(r.n) - 1;
      const clientId = rows[i].clientId;
      if (r.id !== null) result[i] = { id: r.id, createdAt: r.created_at as Date, roomId: r.room_id, body: r.body, replayed: r.replayed };
      else if (clientId) result[i] = await this.storedByClientId(rows[i].authorId, clientId);
    }
    return result;
  }

  /** The message an author sent with this client id (committed by a concurrent batch), or null. */
  private async storedByClientId(authorId: number, clientId: string): Promise<StoredMessage | null> {
    const { rows } = await this.pool.query<{ id: number; room_id: number; body: string; created_at: Date }>({
      name: 'chat_message_by_client_id',
      text: CHAT_SQL.storedByClientId,
      values: [authorId, clientId],
    });
    const r = rows[0];
    return r ? { id: r.id, createdAt: r.created_at, roomId: r.room_id, body: r.body, replayed: true } : null;
  }

  /** History page, newest first. */
  async history(roomId: number, before: number | undefined, limit: number): Promise<MessageRow[]> {
    const { rows } = await this.pool.query<RawMessage>({ name: 'chat_history', text: CHAT_SQL.history, values: [roomId, before ?? 2_147_483_647, limit] });
    return rows.map(toMessage);
  }

  /** Per room: newest id (null when empty) and newest surely-committed id (0 when none). */
  async heads(roomIds: number[], settledMs: number): Promise<{ roomId: number; lastId: number | null; safeId: number }[]> {
    const { rows } = await this.pool.query<{ room_id: number; last_id: number | null; safe_id: number }>({ name: 'chat_room_heads', text: CHAT_SQL.heads, values: [roomIds, settledMs] });
    return rows.map((r) => ({ roomId: r.room_id, lastId: r.last_id, safeId: r.safe_id }));
  }

  /** Reconnect replay, oldest first, from the client's last id. */
  async since(roomId: number, afterId: number, limit: number): Promise<MessageRow[]> {
    const { rows } = await this.pool.query<RawMessage>({ name: 'chat_since', text: CHAT_SQL.since, values: [roomId, afterId, limit] });
    return rows.map(toMessage);
  }
}
