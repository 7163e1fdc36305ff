import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { AuthUser } from '@conduit/contracts';
import { UniqueConflict } from '../common/domain-errors.js';
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
  /**
   * Every id up to the newest one created longer ago than this is committed (or was never stored):
   * a smaller id was allocated by an insert that started at most one statement timeout after that
   * row's creation, and ran at most one statement timeout. So two timeouts, plus slack.
   */
  private readonly settledMs: number;

  constructor(
    private readonly repo: ChatRepository,
    private readonly writer: ChatMessageWriter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settledMs = 2 * config.DB_STATEMENT_TIMEOUT_MS + 1_000;
  }

  async listRooms(user: AuthUser): Promise<ChatRoomView[]> {
    const [rooms, mine] = await Promise.all([this.repo.listRooms(ROOM_LIST_LIMIT), this.repo.roomIdsOf(user.id)]);
    return rooms.map((r) => toRoomView(r, mine.has(r.id)));
  }

  async createRoom(user: AuthUser, name: string): Promise<ChatRoomView> {
    try {
      return toRoomView(await this.repo.createRoom(name, user.id), true);
    } catch (error) {
      if (error instanceof UniqueConflict) throw new ChatError('conflict', { name: ['has already been taken'] });
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

  /**
   * Persists first (group commit; the ack's id and timestamp are the stored ones); non-members are
   * refused atomically. With a client id, a resend returns the message stored the first time
   * (`replayed`) and stores nothing.
   */
  async postMessage(user: AuthUser, roomId: number, body: string, clientId?: string): Promise<{ message: ChatMessageView; replayed: boolean }> {
    const stored = await this.writer.write({ roomId, authorId: user.id, body, clientId });
    if (!stored) throw new ChatError('forbidden', { room: ['you are not a member of this room'] });
    const message: ChatMessageView = { id: stored.id, roomId: stored.roomId, body: stored.body, author: { id: user.id, username: user.username }, createdAt: stored.createdAt.toISOString() };
    return { message, replayed: stored.replayed };
  }

  /**
   * Messages after `sinceId`, oldest first, at most REPLAY_MAX (hasMore says to page through REST),
   * and the client's next sync cursor: every id up to safeId was committed before this read (read
   * first), so with this reply the client holds all of them (capped at the last replayed id when hasMore).
   */
  async replay(roomId: number, sinceId: number): Promise<{ messages: ChatMessageView[]; hasMore: boolean; safeId: number }> {
    const [head] = await this.repo.heads([roomId], this.settledMs);
    const rows = await this.repo.since(roomId, sinceId, REPLAY_MAX + 1);
    const messages = rows.slice(0, REPLAY_MAX).map(toMessageView);
    const hasMore = rows.length > REPLAY_MAX;
    const safeId = Math.max(sinceId, hasMore ? Math.min(head.safeId, messages[messages.length - 1].id) : head.safeId);
    return { messages, hasMore, safeId };
  }

  /** Room heads for the periodic room:head signal (see ChatRoomHeads). */
  heads(roomIds: number[]): Promise<{ roomId: number; lastId: number | null; safeId: number }[]> {
    return this.repo.heads(roomIds, this.settledMs);
  }

  /** The newest page (oldest first) and the sync cursor it gives (every later message comes live or by sync). */
  async latest(roomId: number, limit: number): Promise<{ messages: ChatMessageView[]; safeId: number }> {
    const [head] = await this.repo.heads([roomId], this.settledMs);
    const messages = (await this.repo.history(roomId, undefined, limit)).reverse().map(toMessageView);
    if (messages.length === 0 || head.safeId < messages[0].id) return { messages, safeId: messages.length ? messages[0].id - 1 : head.safeId };
    return { messages, safeId: Math.min(head.safeId, messages[messages.length - 1].id) };
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
