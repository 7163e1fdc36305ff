// Socket.IO chat clients that measure what a fault does to realtime users: every client sits in
// one room through the load balancer (WebSocket transport, own loopback source address), sends a
// message every second with a client id and an acknowledgement, and catches up the way the web
// client does (apps/web/src/chat/chat-client.ts, with its own SyncCursors): re-join with `since`
// after every reconnect, re-join from before `lostAt` on `resync`, and `room:sync` from its cursor
// when a `room:head` says it may be behind. A send whose ack does not come is resent once with the
// same client id (the server answers with the stored message, never a twin).
// Figures per (acked message, other member): delivered live, recovered from history, or lost;
// duplicates shown (a member holding two stored ids for one sent message).
import { io, type Socket } from 'socket.io-client';
import { SyncCursors } from '../../apps/web/src/chat/sync-cursor.ts';
import { CHAT_EVENTS, newClientId } from '../../libs/contracts/src/chat.ts';
import { sendHttp, type SourceAddressPool } from '../driver/http-client.ts';
import { loginCall } from '../shared/journeys.ts';
import { deliveryFigures, type ChatFigures } from './chat-figures.ts';
import { percentile } from './phase-stats.ts';

export type { ChatFigures } from './chat-figures.ts';

export interface ChatMessage {
  id: number;
  body: string;
  createdAt?: string;
}

interface Ack {
  ok?: boolean;
  code?: string;
  message?: ChatMessage;
  messages?: ChatMessage[];
  hasMore?: boolean;
  safeId?: number;
  replayed?: boolean;
}

type Path = 'live' | 'history';

export interface ProbeClient {
  n: number;
  socket: Socket;
  /** Message id -> how it first arrived (own sends are held from their ack). */
  held: Map<number, Path | 'own'>;
  /** Body -> stored ids held for it (a body is unique per sent message: >1 id is a duplicate shown). */
  byBody: Map<string, Set<number>>;
  /** Message id -> server timestamp (ms), for resync's "before lostAt". */
  createdAt: Map<number, number>;
  cursors: SyncCursors;
  disconnectedAt?: number;
  connectedOnce: boolean;
  /** A second socket of the same user (resend storm): not a member whose deliveries are counted. */
  twin: boolean;
}

const ACK_TIMEOUT_MS = 5_000;

export class ChatProbe {
  readonly clients: ProbeClient[] = [];
  /** Message id -> sender n, for every acked send. */
  readonly acked = new Map<number, number>();
  roomId = 0;
  private readonly tokens = new Map<number, string>();
  private readonly reconnectMs: number[] = [];
  private readonly deliveries: Array<{ at: number; sentAt: number }> = [];
  private disconnects = 0;
  private sent = 0;
  private resends = 0;
  private sendFailures = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly baseUrl: string,
    private readonly pool: SourceAddressPool,
    private readonly accounts: number[],
    private readonly password: string,
    private readonly emailOf: (n: number) => string,
  ) {}

  async start(roomName: string): Promise<void> {
    for (const n of this.accounts) this.tokens.set(n, await this.login(n));
    const token = this.tokens.get(this.accounts[0])!;
    const agent = this.pool.agentFor(this.accounts[0]);
    const created = await sendHttp(this.baseUrl, agent, { method: 'POST', path: '/api/chat/rooms', body: { room: { name: roomName } }, auth: true }, token, 10_000);
    let roomId = (created.body as { room?: { id: number } })?.room?.id;
    if (!roomId) {
      const list = await sendHttp(this.baseUrl, agent, { method: 'GET', path: '/api/chat/rooms', auth: true }, token, 10_000);
      roomId = (list.body as { rooms?: Array<{ id: number; name: string }> })?.rooms?.find((r) => r.name === roomName)?.id;
    }
    if (!roomId) throw new Error(`chat probe: could not create room ${roomName} (${created.status})`);
    this.roomId = roomId;
    await Promise.all(this.accounts.map((n) => this.connect(n)));
    this.timer = setInterval(() => this.sendRound(), 1_000);
  }

  private async login(n: number): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const res = await sendHttp(this.baseUrl, this.pool.agentFor(n), loginCall(this.emailOf(n), this.password), undefined, 10_000);
      const token = (res.body as { user?: { token?: string } })?.user?.token;
      if (token) return token;
      if (attempt > 10) throw new Error(`chat probe: login ${n} failed (${res.status})`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /** Connects account n (again, as a twin, for the resend storm) and joins the room; resolves once joined. */
  connect(n: number, twin = false): Promise<ProbeClient> {
    const socket = io(`${this.baseUrl}/chat`, {
      transports: ['websocket'],
      auth: { token: this.tokens.get(n) },
      reconnectionDelay: 100,
      reconnectionDelayMax: 1_000,
      randomizationFactor: 0.2,
      timeout: 5_000,
      forceNew: true,
      localAddress: this.pool.addressFor(n),
    } as Parameters<typeof io>[1]);
    const c: ProbeClient = { n, socket, held: new Map(), byBody: new Map(), createdAt: new Map(), cursors: new SyncCursors(Date.now), connectedOnce: false, twin };
    this.clients.push(c);
    socket.on(CHAT_EVENTS.message, (m: ChatMessage) => this.take(c, m, 'live'));
    socket.on(CHAT_EVENTS.resync, (e: { lostAt?: string }) => void this.onResync(c, e?.lostAt));
    socket.on(CHAT_EVENTS.head, (h: { roomId?: number; lastId?: number; safeId?: number }) => void this.onHead(c, h));
    socket.on('disconnect', () => {
      if (!twin) this.disconnects += 1;
      c.disconnectedAt = Date.now();
    });
    return new Promise((resolve) => {
      socket.on('connect', () => {
        if (c.disconnectedAt !== undefined && !twin) this.reconnectMs.push(Date.now() - c.disconnectedAt);
        c.disconnectedAt = undefined;
        const first = !c.connectedOnce;
        c.connectedOnce = true;
        // Like the web client: every (re)connect re-joins (membership of a room is per socket) from the cursor.
        void this.join(c, first ? null : this.cursorOf(c)).then(() => resolve(c));
      });
    });
  }

  private take(c: ProbeClient, m: ChatMessage | undefined, path: Path | 'own'): void {
    if (!m || typeof m.id !== 'number') return;
    if (!c.held.has(m.id)) {
      c.held.set(m.id, path);
      if (m.createdAt) c.createdAt.set(m.id, Date.parse(m.createdAt));
      const sentAt = Number(/^rp:\d+:\d+:(\d+)/.exec(m.body)?.[1]);
      if (sentAt && path !== 'own') this.deliveries.push({ at: Date.now(), sentAt });
    }
    let ids = c.byBody.get(m.body);
    if (!ids) c.byBody.set(m.body, (ids = new Set()));
    ids.add(m.id);
  }

  /** The web client's reconnect cursor: the sync cursor, else the newest id held. */
  private cursorOf(c: ProbeClient): number | null {
    const cursor = c.cursors.get(this.roomId);
    if (cursor !== undefined) return cursor;
    return c.held.size ? Math.max(...c.held.keys()) : null;
  }

  /** room:join (since = null: the newest page), retried while connected; then any rest past the replay cap by room:sync. */
  private async join(c: ProbeClient, since: number | null): Promise<void> {
    for (;;) {
      try {
        const ack: Ack = await c.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(CHAT_EVENTS.join, since === null ? { roomId: this.roomId } : { roomId: this.roomId, since });
        if (ack?.ok) return await this.absorb(c, ack, since);
      } catch {
        /* no ack: retried below */
      }
      if (!c.socket.connected) return; // the next connect re-joins
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Takes a join/sync reply, follows hasMore with room:sync, and advances the cursor. */
  private async absorb(c: ProbeClient, ack: Ack, since: number | null): Promise<void> {
    for (;;) {
      for (const m of ack.messages ?? []) this.take(c, m, 'history');
      c.cursors.advance(this.roomId, ack.safeId);
      if (!ack.hasMore || since === null) return;
      since = Math.max(since, ...(ack.messages ?? []).map((m) => m.id));
      ack = await c.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(CHAT_EVENTS.sync, { roomId: this.roomId, since });
      if (!ack?.ok) return;
    }
  }

  /** Cross-instance delivery was down since lostAt: re-join from the newest message older than lostAt - 5 s. */
  private async onResync(c: ProbeClient, lostAt: string | undefined): Promise<void> {
    const lostAtMs = Date.parse(lostAt ?? '');
    const cutoff = Number.isFinite(lostAtMs) ? lostAtMs - 5_000 : 0;
    let since = 0;
    for (const [id, at] of c.createdAt) if (at < cutoff && id > since) since = id;
    await this.join(c, since);
  }

  private async onHead(c: ProbeClient, h: { roomId?: number; lastId?: number; safeId?: number }): Promise<void> {
    if (h?.roomId !== this.roomId || typeof h.lastId !== 'number') return;
    const head = { lastId: h.lastId, safeId: Number(h.safeId ?? 0) };
    if (!c.cursors.behind(this.roomId, head, (id) => c.held.has(id))) return;
    await c.cursors.run(this.roomId, async () => {
      const since = c.cursors.get(this.roomId) ?? 0;
      const ack: Ack = await c.socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(CHAT_EVENTS.sync, { roomId: this.roomId, since })
        .catch(() => undefined);
      if (ack?.ok) await this.absorb(c, ack, since).catch(() => undefined);
    });
  }

  private sendRound(): void {
    for (const c of this.clients) {
      if (c.twin || !c.socket.connected) continue;
      this.sent += 1;
      void this.send(c, `rp:${c.n}:${this.sent}:${Date.now()}`);
    }
  }

  /** One message with a fresh client id; a missing ack -> one resend with the same id (the web client's sendWithResend). */
  private async send(c: ProbeClient, body: string): Promise<void> {
    const clientId = newClientId();
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (attempt > 1) this.resends += 1;
      const ack = await this.emitSend(c.socket, body, clientId);
      if (ack === 'timeout' && attempt < 2) continue;
      if (ack !== 'timeout' && ack.ok && ack.message) this.recordAck(c, ack.message);
      else this.sendFailures += 1;
      return;
    }
  }

  async emitSend(socket: Socket, body: string, clientId: string): Promise<Ack | 'timeout'> {
    try {
      return (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(CHAT_EVENTS.send, { roomId: this.roomId, body, clientId })) as Ack;
    } catch {
      return 'timeout';
    }
  }

  recordAck(c: ProbeClient, message: ChatMessage): void {
    this.acked.set(message.id, c.n);
    this.take(c, message, 'own');
  }

  /** Time from `sinceEpochMs` until a message sent after it reached another member. */
  resumeAfter(sinceEpochMs: number): number | undefined {
    const d = this.deliveries.find((x) => x.sentAt >= sinceEpochMs);
    return d ? d.at - sinceEpochMs : undefined;
  }

  figures(): ChatFigures {
    const members = this.clients.filter((c) => !c.twin);
    const sorted = [...this.reconnectMs].sort((a, b) => a - b);
    return {
      clients: members.length,
      disconnects: this.disconnects,
      reconnects: this.reconnectMs.length,
      reconnectP99Ms: percentile(sorted, 99),
      reconnectMaxMs: sorted[sorted.length - 1],
      notConnected: members.filter((c) => !c.socket.connected).length,
      sent: this.sent,
      acked: this.acked.size,
      sendFailures: this.sendFailures,
      resends: this.resends,
      ...deliveryFigures(this.acked, members),
    };
  }

  /** Stops sending, lets the last deliveries arrive, then measures and disconnects. */
  async stop(settleMs = 2_000): Promise<ChatFigures> {
    clearInterval(this.timer);
    await new Promise((r) => setTimeout(r, settleMs));
    const f = this.figures();
    for (const c of this.clients) c.socket.disconnect();
    return f;
  }
}
