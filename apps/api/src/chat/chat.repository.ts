import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@conduit/db';
import type pg from 'pg';
import { PG_POOL, PRISMA } from '../database/database.module.js';

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
  // Group commit: one statement per batch; membership per row via chat_members_pkey.
  insertMessages: `WITH v AS (
                     SELECT * FROM unnest($1::int[], $2::int[], $3::text[]) WITH ORDINALITY AS v(room_id, author_id, body, n)
                   ), ok AS (
                     SELECT v.*, nextval(pg_get_serial_sequence('chat_messages', 'id'))::int AS id FROM v
                     WHERE EXISTS (SELECT 1 FROM chat_members m WHERE m.room_id = v.room_id AND m.user_id = v.author_id)
                   ), ins AS (
                     INSERT INTO chat_messages (id, room_id, author_id, body) SELECT id, room_id, author_id, body FROM ok ORDER BY n
                     RETURNING id, created_at
                   )
                   SELECT ok.n, ins.id, ins.created_at FROM ok JOIN ins USING (id)`,
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
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient, @Inject(PG_POOL) private readonly pool: pg.Pool) {}

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
  createRoom(name: string, userId: number): Promise<RoomRow> {
    return this.prisma.chatRoom.create({
      data: { name, createdById: userId, members: { create: { userId } } },
      select: { id: true, name: true, createdAt: true },
    });
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
   * Returns, per input position, the stored id and timestamp, or null for a non-member.
   * Named prepared statement on the pg pool: planned once per connection, no Prisma query
   * compilation on the event loop for the hottest chat query. Benchmarked by `npm run bench:chat`.
   */
  async insertMessages(rows: { roomId: number; authorId: number; body: string }[]): Promise<({ id: number; createdAt: Date } | null)[]> {
    const { rows: stored } = await this.pool.query<{ n: string; id: number; created_at: Date }>({
      name: 'chat_insert_messages_if_member',
      text: CHAT_SQL.insertMessages,
      values: [rows.map((r) => r.roomId), rows.map((r) => r.authorId), rows.map((r) => r.body)],
    });
    const result: ({ id: number; createdAt: Date } | null)[] = rows.map(() => null);
    for (const r of stored) result[Number(r.n) - 1] = { id: r.id, createdAt: r.created_at };
    return result;
  }

  /** History page, newest first. */
  async history(roomId: number, before: number | undefined, limit: number): Promise<MessageRow[]> {
    const { rows } = await this.pool.query<RawMessage>({ name: 'chat_history', text: CHAT_SQL.history, values: [roomId, before ?? 2_147_483_647, limit] });
    return rows.map(toMessage);
  }

  /** Reconnect replay, oldest first, from the client's last id. */
  async since(roomId: number, afterId: number, limit: number): Promise<MessageRow[]> {
    const { rows } = await this.pool.query<RawMessage>({ name: 'chat_since', text: CHAT_SQL.since, values: [roomId, afterId, limit] });
    return rows.map(toMessage);
  }
}
