import { Injectable } from '@nestjs/common';
import { uniqueViolationFields } from '@conduit/db';
import type { AuthUser } from '../auth/token.service.js';
import { ChatMessageWriter } from './chat-message.writer.js';
import { ChatRepository, type MessageRow, type RoomRow } from './chat.repository.js';
import { REPLAY_MAX, type HistoryQuery } from './chat.schemas.js';
import { ChatError, type ChatMessageView, type ChatRoomView } from './chat.types.js';

const ROOM_LIST_LIMIT = 200;

export const toMessageView = (m: MessageRow): ChatMessageView => ({
  id: m.id,
  roomId: m.roomId,
  body: m.body,
  author: { id: m.authorId, username: m.authorUsername },
  createdAt: m.createdAt.toISOString(),
});

const toRoomView = (r: RoomRow, joined: boolean): ChatRoomView => ({ id: r.id, name: r.name, createdAt: r.createdAt.toISOString(), joined });

/** Chat rules shared by the socket gateway and the REST controller. Membership authorizes everything. */
@Injectable()
export class ChatService {
  constructor(private readonly repo: ChatRepository, private readonly writer: ChatMessageWriter) {}

  async listRooms(user: AuthUser): Promise<ChatRoomView[]> {
    const [rooms, mine] = await Promise.all([this.repo.listRooms(ROOM_LIST_LIMIT), this.repo.roomIdsOf(user.id)]);
    return rooms.map((r) => toRoomView(r, mine.has(r.id)));
  }

  async createRoom(user: AuthUser, name: string): Promise<ChatRoomView> {
    try {
      return toRoomView(await this.repo.createRoom(name, user.id), true);
    } catch (error) {
      if (uniqueViolationFields(error)) throw new ChatError('conflict', { name: ['has already been taken'] });
      throw error;
    }
  }

  /** Makes the user a member (idempotent). */
  async join(user: AuthUser, roomId: number): Promise<ChatRoomView> {
    const room = await this.repo.findRoom(roomId);
    if (!room) throw new ChatError('not_found', { room: ['not found'] });
    await this.repo.addMember(roomId, user.id);
    return toRoomView(room, true);
  }

  async leave(user: AuthUser, roomId: number): Promise<void> {
    await this.repo.removeMember(roomId, user.id);
  }

  /** Persists first (group commit; the ack's id and timestamp are the stored ones); non-members are refused atomically. */
  async postMessage(user: AuthUser, roomId: number, body: string): Promise<ChatMessageView> {
    const stored = await this.writer.write(roomId, user.id, body);
    if (!stored) throw new ChatError('forbidden', { room: ['you are not a member of this room'] });
    return { id: stored.id, roomId, body, author: { id: user.id, username: user.username }, createdAt: stored.createdAt.toISOString() };
  }

  /** Messages after `sinceId`, oldest first, at most REPLAY_MAX (hasMore says to page through REST). */
  async replay(roomId: number, sinceId: number): Promise<{ messages: ChatMessageView[]; hasMore: boolean }> {
    const rows = await this.repo.since(roomId, sinceId, REPLAY_MAX + 1);
    return { messages: rows.slice(0, REPLAY_MAX).map(toMessageView), hasMore: rows.length > REPLAY_MAX };
  }

  async latest(roomId: number, limit: number): Promise<ChatMessageView[]> {
    return (await this.repo.history(roomId, undefined, limit)).reverse().map(toMessageView);
  }

  async history(user: AuthUser, roomId: number, query: HistoryQuery): Promise<{ messages: ChatMessageView[]; nextBefore: number | null }> {
    await this.assertMember(user, roomId);
    const rows = await this.repo.history(roomId, query.before, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return { messages: page.map(toMessageView), nextBefore: rows.length > query.limit ? page[page.length - 1].id : null };
  }

  private async assertMember(user: AuthUser, roomId: number): Promise<void> {
    if (await this.repo.isMember(roomId, user.id)) return;
    const room = await this.repo.findRoom(roomId);
    throw room ? new ChatError('forbidden', { room: ['you are not a member of this room'] }) : new ChatError('not_found', { room: ['not found'] });
  }
}
