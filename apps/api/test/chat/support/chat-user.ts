import { ack, connectChat, type ChatClient, type ConnectOptions } from './chat-client.js';

interface Msg {
  id: number;
  roomId: number;
  body: string;
  createdAt: string;
}

/** Margin for clock skew between the API instance (lostAt) and PostgreSQL (createdAt). */
const RESYNC_MARGIN_MS = 5_000;

/**
 * A well-behaved chat client, as the web app is: remembers the last message id per room, and
 * after every reconnect (recovered by Socket.IO or not) and on a server `resync` re-joins its
 * rooms with `since`, retrying while connected if a re-join fails. Recovery alone is not
 * trusted: a packet the old instance acknowledged but never published (it was shutting down)
 * is only in PostgreSQL. Counts how each message arrived: live (event, including
 * connection-state recovery) or replayed from history.
 */
export class ChatUser {
  readonly messages = new Map<number, Msg>();
  readonly live = new Set<number>();
  readonly replayed = new Set<number>();
  readonly rooms = new Set<number>();
  reconnects = 0;
  recoveredReconnects = 0;
  resyncs = 0;
  /** Re-joins that failed (and were retried): shown when a test fails. */
  readonly resyncErrors: string[] = [];

  private constructor(readonly socket: ChatClient) {
    socket.on('message', (m: Msg) => {
      if (!this.messages.has(m.id)) this.live.add(m.id);
      this.messages.set(m.id, m);
    });
    // Constructed once connected: every later 'connect' is a reconnect.
    socket.on('connect', () => {
      this.reconnects++;
      if (socket.recovered) this.recoveredReconnects++;
      void this.resyncUntilDone();
    });
    socket.on('resync', ({ lostAt }: { lostAt: string }) => {
      this.resyncs++;
      void this.resyncUntilDone(Date.parse(lostAt) - RESYNC_MARGIN_MS);
    });
  }

  static async connect(baseUrl: string, options: ConnectOptions): Promise<ChatUser> {
    return new ChatUser(await connectChat(baseUrl, options));
  }

  /** Highest id received in the room (optionally only among messages created before `before`). */
  lastId(roomId: number, before = Infinity): number {
    let last = 0;
    for (const m of this.messages.values()) if (m.roomId === roomId && m.id > last && Date.parse(m.createdAt) < before) last = m.id;
    return last;
  }

  bodies(roomId: number): string[] {
    return [...this.messages.values()]
      .filter((m) => m.roomId === roomId)
      .sort((a, b) => a.id - b.id)
      .map((m) => m.body);
  }

  async join(roomId: number, before = Infinity): Promise<any> {
    const res = await ack(this.socket, 'room:join', { roomId, since: this.lastId(roomId, before) });
    if (!res.ok) throw new Error(`join failed: ${JSON.stringify(res)}`);
    this.rooms.add(roomId);
    for (const m of res.messages as Msg[]) {
      if (!this.messages.has(m.id)) this.replayed.add(m.id);
      this.messages.set(m.id, m);
    }
    return res;
  }

  async resync(before = Infinity): Promise<void> {
    for (const roomId of this.rooms) await this.join(roomId, before);
  }

  /** Bounded retries: a re-join can fail while the new instance is still warming up. */
  private async resyncUntilDone(before = Infinity): Promise<void> {
    for (let attempt = 0; attempt < 10 && this.socket.connected; attempt++) {
      try {
        return await this.resync(before);
      } catch (error) {
        this.resyncErrors.push((error as Error).message);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  send(roomId: number, body: string): Promise<any> {
    return ack(this.socket, 'message:send', { roomId, body });
  }

  close(): void {
    this.socket.disconnect();
  }
}
