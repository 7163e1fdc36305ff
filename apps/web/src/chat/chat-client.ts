import type { ChatMessage, ChatRoom } from './chat-types.js';
import type { ChatSocket, ChatState, RoomState } from './chat-state.js';
import { CHAT_EVENTS, newClientId, toChatMessage, toChatRoom, toUsernames, unwrapAck } from './chat-protocol.js';
import { acknowledge, fetchMissed, lastConfirmedId, lastConfirmedIdBefore, markFailed, mergeMessages, oldestConfirmedId, type HistoryPage } from './message-timeline.js';
import { TypingTracker } from './typing-tracker.js';
import { sendWithResend } from './send-with-resend.js';
import { SyncCursors } from './sync-cursor.js';

export type { ChatSocket, ChatState, RoomState } from './chat-state.js';

export interface ChatClientOptions {
  socket: ChatSocket;
  history: (roomId: number, query: { before?: number; limit: number }) => Promise<ChatMessage[]>;
  me: string;
  ackTimeoutMs?: number;
  pageSize?: number;
  now?: () => number;
  newClientId?: () => string;
}

/** room:join without `since` answers with this many newest messages (HISTORY_DEFAULT_LIMIT). */
const JOIN_PAGE_SIZE = 50;

const emptyRoom = (): RoomState => ({ messages: [], presence: [], typing: [], hasOlder: true, loadingOlder: false, joined: false, error: null });

/**
 * Chat state for the UI: connection status, rooms, and per-room messages, presence and typing.
 * Reconnects are the interesting part: on every reconnect it re-joins the open rooms and pages
 * back through history until the last message it had (fetchMissed), so a dropped connection or
 * an API instance that died loses no message, and the merge by id shows each message once.
 */
export class ChatClient {
  private state: ChatState = { status: 'connecting', detail: null, recovered: 0, rooms: [], byRoom: {} };
  private readonly listeners = new Set<() => void>();
  private readonly typing = new Map<number, TypingTracker>();
  private readonly open = new Set<number>();
  private connectedOnce = false;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly ackTimeoutMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;
  private readonly newClientId: () => string;
  private readonly cursors: SyncCursors;

  constructor(private readonly options: ChatClientOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.pageSize = options.pageSize ?? 30;
    this.now = options.now ?? Date.now;
    this.newClientId = options.newClientId ?? newClientId;
    this.cursors = new SyncCursors(this.now);
    const { socket } = options;
    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', (reason: string) => {
      // 'io server disconnect' (e.g. token expired) and our own disconnect() do not auto-reconnect.
      const final = reason === 'io server disconnect' || reason === 'io client disconnect';
      this.set({ status: final ? 'offline' : 'reconnecting', detail: final ? 'disconnected by the server' : 'connection lost, reconnecting…' });
    });
    socket.on('connect_error', (error: Error) => {
      // Refused by the server's middleware (bad token, origin): socket.active turns false, no retry.
      this.set(socket.active ? { status: 'reconnecting', detail: 'cannot reach chat, retrying…' } : { status: 'offline', detail: error.message || 'chat refused the connection' });
    });
    socket.on(CHAT_EVENTS.message, (raw: unknown) => this.onMessage(toChatMessage(raw)));
    socket.on(CHAT_EVENTS.typing, (raw: { roomId?: unknown; user?: { username?: unknown } }) => this.onTyping(Number(raw?.roomId), String(raw?.user?.username ?? '')));
    socket.on(CHAT_EVENTS.resync, (raw: { lostAt?: unknown }) => void this.onResync(String(raw?.lostAt ?? '')));
    socket.on(CHAT_EVENTS.head, (raw: { roomId?: unknown; lastId?: unknown; safeId?: unknown }) => void this.onHead(raw));
    socket.on(CHAT_EVENTS.sessionExpired, () => this.set({ status: 'offline', detail: 'your session expired: sign in again' }));
    socket.on(CHAT_EVENTS.presence, (raw: { roomId?: unknown }) => this.updateRoom(Number(raw?.roomId), { presence: toUsernames(raw) }));
  }

  getState = (): ChatState => this.state;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  room(roomId: number): RoomState {
    return this.state.byRoom[roomId] ?? emptyRoom();
  }

  async refreshRooms(): Promise<void> {
    const ack = unwrapAck<{ rooms?: unknown[] }>(await this.options.socket.timeout(this.ackTimeoutMs).emitWithAck(CHAT_EVENTS.listRooms, {}));
    this.set({ rooms: (ack.rooms ?? []).map(toChatRoom) });
  }

  async createRoom(name: string): Promise<ChatRoom> {
    const ack = unwrapAck<{ room?: unknown }>(await this.options.socket.timeout(this.ackTimeoutMs).emitWithAck(CHAT_EVENTS.createRoom, { name }));
    const room = toChatRoom(ack.room ?? ack);
    this.addRoom(room);
    return room;
  }

  /** Joins a room (membership + live events); the join's answer carries the newest messages. */
  async openRoom(roomId: number): Promise<void> {
    this.open.add(roomId);
    try {
      await this.join(roomId, { firstPage: true });
    } catch (error) {
      this.updateRoom(roomId, { error: (error as Error).message });
    }
  }

  /** Ends membership: the room's events stop on every socket of this user (room:leave). */
  async leaveRoom(roomId: number): Promise<void> {
    unwrapAck(await this.options.socket.timeout(this.ackTimeoutMs).emitWithAck(CHAT_EVENTS.leave, { roomId }));
    this.open.delete(roomId);
    this.updateRoom(roomId, { joined: false, presence: [], typing: [] });
    this.set({ rooms: this.state.rooms.map((r) => (r.id === roomId ? { ...r, joined: false } : r)) });
  }

  /** Stops showing a room; membership stays (and so do live events, which are cheap). */
  closeRoom(roomId: number): void {
    this.open.delete(roomId);
  }

  /** History scroll-back: the page before the oldest message we have (cursor pagination). */
  async loadOlder(roomId: number): Promise<void> {
    const current = this.room(roomId);
    const before = oldestConfirmedId(current.messages);
    if (current.loadingOlder || !current.hasOlder || before === null) return;
    this.updateRoom(roomId, { loadingOlder: true });
    try {
      const page = await this.options.history(roomId, { before, limit: this.pageSize });
      this.updateRoom(roomId, { messages: mergeMessages(this.room(roomId).messages, page), hasOlder: page.length >= this.pageSize, loadingOlder: false });
    } catch (error) {
      this.updateRoom(roomId, { loadingOlder: false, error: (error as Error).message });
    }
  }

  /**
   * Sends with a client id (idempotent on the server): when the ack does not come back (lost with a
   * dropped connection), the same message is resent with the same id, once per attempt left, and
   * the server answers with the message it stored the first time; never a twin.
   */
  async send(roomId: number, body: string): Promise<void> {
    const clientId = this.newClientId();
    const pending: ChatMessage = { id: -1, roomId, body, createdAt: new Date(this.now()).toISOString(), author: { username: this.options.me, image: null }, clientId, state: 'pending' };
    this.updateRoom(roomId, { messages: mergeMessages(this.room(roomId).messages, [pending]) });
    try {
      const ack = await sendWithResend(this.options.socket, this.ackTimeoutMs, { roomId, body, clientId });
      const stored = toChatMessage(ack.message ?? { ...pending, ...ack });
      this.updateRoom(roomId, {
        messages: acknowledge(this.room(roomId).messages, clientId, { ...stored, roomId, body: stored.body || body, author: stored.author.username === '?' ? pending.author : stored.author }),
      });
    } catch (error) {
      this.updateRoom(roomId, { messages: markFailed(this.room(roomId).messages, clientId), error: `not sent: ${(error as Error).message}` });
    }
  }

  /** Throttle outside (createTypingThrottle); typing is volatile, never acknowledged. */
  sendTyping(roomId: number): void {
    if (this.state.status === 'online') this.options.socket.emit(CHAT_EVENTS.typing, { roomId });
  }

  close(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.options.socket.disconnect();
  }

  /**
   * room:join answers with the room's newest page, or with `since` (the last id we saw) every
   * message after it — up to the server's replay cap; past the cap (hasMore) the rest comes
   * from REST history, paged back from the newest (fetchMissed). Returns how many were new.
   */
  private async join(roomId: number, { firstPage = false, since: sinceOverride }: { firstPage?: boolean; since?: number | null } = {}): Promise<number> {
    const since = firstPage ? null : sinceOverride !== undefined ? sinceOverride : (this.cursors.get(roomId) ?? lastConfirmedId(this.room(roomId).messages));
    return this.catchUp(roomId, CHAT_EVENTS.join, since, firstPage);
  }

  /** room:join or room:sync, then the replay merged by id; past the server's cap the rest comes from REST history. */
  private async catchUp(roomId: number, event: string, since: number | null, firstPage = false): Promise<number> {
    const ack = unwrapAck<{ messages?: unknown[]; hasMore?: boolean; users?: unknown; room?: unknown; safeId?: unknown }>(
      await this.options.socket.timeout(this.ackTimeoutMs).emitWithAck(event, since === null ? { roomId } : { roomId, since }),
    );
    let incoming = (ack.messages ?? []).map(toChatMessage);
    if (ack.hasMore && since !== null) {
      const newestReplayed = Math.max(since, ...incoming.map((m) => m.id));
      const page: HistoryPage = (q) => this.options.history(roomId, q);
      incoming = [...incoming, ...(await fetchMissed(page, newestReplayed, this.pageSize)).messages];
    }
    const room = this.room(roomId);
    const merged = mergeMessages(room.messages, incoming);
    const patch: Partial<RoomState> = { joined: true, error: null, messages: merged };
    if (ack.users !== undefined) patch.presence = toUsernames(ack.users);
    if (ack.room) this.addRoom(toChatRoom(ack.room));
    if (firstPage) patch.hasOlder = incoming.length >= JOIN_PAGE_SIZE;
    this.updateRoom(roomId, patch);
    this.cursors.advance(roomId, ack.safeId);
    return merged.length - room.messages.length;
  }

  /** The periodic sequence check: behind the room's head, sync from the cursor (no outage signal needed). */
  private async onHead(raw: { roomId?: unknown; lastId?: unknown; safeId?: unknown }): Promise<void> {
    const roomId = Number(raw?.roomId);
    const head = { lastId: Number(raw?.lastId), safeId: Number(raw?.safeId ?? 0) };
    if (!this.open.has(roomId) || !Number.isFinite(head.lastId)) return;
    if (!this.cursors.behind(roomId, head, (id) => this.room(roomId).messages.some((m) => m.id === id && !m.state))) return;
    await this.cursors.run(roomId, async () => {
      const recovered = await this.catchUp(roomId, CHAT_EVENTS.sync, this.cursors.get(roomId) ?? 0).catch(() => 0);
      if (recovered > 0) this.set({ recovered: this.state.recovered + recovered });
    });
  }

  private async onConnect(): Promise<void> {
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    this.set({ status: 'online', detail: null });
    void this.refreshRooms().catch(() => undefined);
    if (!reconnect) return;
    // Catch up every open room: re-join (room membership is per socket) with the last id seen.
    let recovered = 0;
    for (const roomId of this.open) {
      try {
        recovered += await this.join(roomId);
      } catch (error) {
        this.updateRoom(roomId, { error: `could not catch up: ${(error as Error).message}` });
      }
    }
    this.set({ recovered });
  }

  /**
   * The server lost cross-instance delivery (Redis outage) since `lostAt`: messages posted on other
   * instances meanwhile never reached us live. Re-join every open room from the last message older
   * than lostAt (minus 5 s for clock skew between instances); duplicates merge away by id.
   */
  private async onResync(lostAt: string): Promise<void> {
    const lostAtMs = Date.parse(lostAt);
    const cutoff = Number.isFinite(lostAtMs) ? lostAtMs - 5_000 : 0;
    let recovered = 0;
    for (const roomId of this.open) {
      try {
        recovered += await this.join(roomId, { since: lastConfirmedIdBefore(this.room(roomId).messages, cutoff) });
      } catch (error) {
        this.updateRoom(roomId, { error: `could not catch up: ${(error as Error).message}` });
      }
    }
    this.set({ recovered });
  }

  private addRoom(room: ChatRoom): void {
    const rooms = this.state.rooms.some((r) => r.id === room.id) ? this.state.rooms.map((r) => (r.id === room.id ? { ...r, ...room } : r)) : [...this.state.rooms, room];
    this.set({ rooms });
  }

  private onMessage(message: ChatMessage): void {
    if (!Number.isFinite(message.id) || !Number.isFinite(message.roomId)) return;
    this.typing.get(message.roomId)?.stopped(message.author.username);
    const room = this.room(message.roomId);
    this.updateRoom(message.roomId, { messages: mergeMessages(room.messages, [message]), typing: this.typing.get(message.roomId)?.active(this.now()) ?? room.typing });
  }

  private onTyping(roomId: number, username: string): void {
    if (!Number.isFinite(roomId) || !username || username === this.options.me) return;
    let tracker = this.typing.get(roomId);
    if (!tracker) this.typing.set(roomId, (tracker = new TypingTracker()));
    tracker.typing(username, this.now());
    this.updateRoom(roomId, { typing: tracker.active(this.now()) });
    this.scheduleTypingExpiry();
  }

  private scheduleTypingExpiry(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      let anyone = false;
      for (const [roomId, tracker] of this.typing) {
        const active = tracker.active(this.now());
        anyone ||= active.length > 0;
        if (active.join() !== this.room(roomId).typing.join()) this.updateRoom(roomId, { typing: active });
      }
      if (anyone) this.scheduleTypingExpiry();
    }, 1_000);
  }

  private updateRoom(roomId: number, patch: Partial<RoomState>): void {
    if (!Number.isFinite(roomId)) return;
    this.set({ byRoom: { ...this.state.byRoom, [roomId]: { ...this.room(roomId), ...patch } } });
  }

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
