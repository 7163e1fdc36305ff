// Socket.IO chat clients that measure what a fault does to realtime users: every client sits in
// one room through the load balancer (WebSocket transport, own loopback source address), sends a
// message every second with an acknowledgement, and follows the documented client protocol
// (apps/api/src/chat/chat.gateway.ts): on a reconnect that the server could not recover, and on
// `resync`, it re-joins with `since` = the last message id it received, and takes the replay.
// Figures: disconnects, reconnect times, acked messages some other member never got (lost).
import { io, type Socket } from 'socket.io-client';
import { sendHttp, type SourceAddressPool } from '../driver/http-client.ts';
import { loginCall } from '../shared/journeys.ts';
import { percentile } from './phase-stats.ts';

interface ChatMessage {
  id: number;
  body: string;
}

interface Client {
  n: number;
  socket: Socket;
  received: Set<number>;
  lastId: number;
  /** [message id, Date.now() when received], for `resync {lostAt}`. */
  log: Array<[number, number]>;
  disconnectedAt?: number;
  connectedOnce: boolean;
}

export interface ChatFigures {
  clients: number;
  disconnects: number;
  reconnects: number;
  reconnectP99Ms?: number;
  reconnectMaxMs?: number;
  /** Clients not connected when measured. */
  notConnected: number;
  sent: number;
  acked: number;
  sendFailures: number;
  /** (acked message, other member) pairs where the member never got the message. */
  lost: number;
  /** First delivery, after `since`, of a message sent after `since`; ms from `since`. */
  resumeMs?: number;
}

export class ChatProbe {
  private readonly clients: Client[] = [];
  private readonly acked = new Map<number, number>(); // message id -> sender n
  private readonly reconnectMs: number[] = [];
  private readonly deliveries: Array<{ at: number; sentAt: number }> = [];
  private disconnects = 0;
  private sent = 0;
  private sendFailures = 0;
  private timer?: NodeJS.Timeout;
  private roomId = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly pool: SourceAddressPool,
    private readonly accounts: number[],
    private readonly password: string,
    private readonly emailOf: (n: number) => string,
  ) {}

  async start(roomName: string): Promise<void> {
    const tokens: string[] = [];
    for (const n of this.accounts) {
      for (let attempt = 0; ; attempt++) {
        const res = await sendHttp(this.baseUrl, this.pool.agentFor(n), loginCall(this.emailOf(n), this.password), undefined, 10_000);
        const token = (res.body as { user?: { token?: string } })?.user?.token;
        if (token) {
          tokens.push(token);
          break;
        }
        if (attempt > 10) throw new Error(`chat probe: login ${n} failed (${res.status})`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    const created = await sendHttp(this.baseUrl, this.pool.agentFor(this.accounts[0]), { method: 'POST', path: '/api/chat/rooms', body: { room: { name: roomName } }, auth: true }, tokens[0], 10_000);
    let roomId = (created.body as { room?: { id: number } })?.room?.id;
    if (!roomId) {
      const list = await sendHttp(this.baseUrl, this.pool.agentFor(this.accounts[0]), { method: 'GET', path: '/api/chat/rooms', auth: true }, tokens[0], 10_000);
      roomId = (list.body as { rooms?: Array<{ id: number; name: string }> })?.rooms?.find((r) => r.name === roomName)?.id;
    }
    if (!roomId) throw new Error(`chat probe: could not create room ${roomName} (${created.status})`);
    this.roomId = roomId;
    await Promise.all(this.accounts.map((n, i) => this.connect(n, tokens[i])));
    this.timer = setInterval(() => this.sendRound(), 1_000);
  }

  private connect(n: number, token: string): Promise<void> {
    const socket = io(`${this.baseUrl}/chat`, {
      transports: ['websocket'],
      auth: { token },
      reconnectionDelay: 100,
      reconnectionDelayMax: 1_000,
      randomizationFactor: 0.2,
      timeout: 5_000,
      localAddress: this.pool.addressFor(n),
    } as Parameters<typeof io>[1]);
    const c: Client = { n, socket, received: new Set(), lastId: 0, log: [], connectedOnce: false };
    this.clients.push(c);
    const take = (m: ChatMessage | undefined) => {
      if (!m || typeof m.id !== 'number') return;
      if (!c.received.has(m.id)) c.log.push([m.id, Date.now()]);
      c.received.add(m.id);
      if (m.id > c.lastId) c.lastId = m.id;
      const sentAt = Number(/^rp:\d+:\d+:(\d+)$/.exec(m.body)?.[1]);
      if (sentAt) this.deliveries.push({ at: Date.now(), sentAt });
    };
    const join = (since = c.lastId): Promise<void> =>
      socket
        .timeout(5_000)
        .emitWithAck('room:join', since ? { roomId: this.roomId, since } : { roomId: this.roomId })
        .then(
          (ack: { ok?: boolean; messages?: ChatMessage[] }) => {
            if (ack?.ok) for (const m of ack.messages ?? []) take(m);
            else setTimeout(() => void join(since), 500);
          },
          () => void setTimeout(() => socket.connected && join(since), 500),
        );
    socket.on('message', (m: ChatMessage) => take(m));
    // Documented protocol: re-join with since = the last id received before lostAt.
    socket.on('resync', (e: { lostAt?: string }) => {
      const lostAt = Date.parse(e?.lostAt ?? '') || Date.now();
      const before = c.log.filter(([, at]) => at < lostAt).reduce((max, [id]) => Math.max(max, id), 0);
      void join(before);
    });
    socket.on('disconnect', () => {
      this.disconnects += 1;
      c.disconnectedAt = Date.now();
    });
    return new Promise((resolve) => {
      socket.on('connect', () => {
        if (c.disconnectedAt !== undefined) {
          this.reconnectMs.push(Date.now() - c.disconnectedAt);
          c.disconnectedAt = undefined;
        }
        if (!c.connectedOnce || !socket.recovered) void join().then(() => resolve());
        else resolve();
        c.connectedOnce = true;
      });
    });
  }

  private sendRound(): void {
    for (const c of this.clients) {
      if (!c.socket.connected) continue;
      this.sent += 1;
      const body = `rp:${c.n}:${this.sent}:${Date.now()}`;
      c.socket
        .timeout(5_000)
        .emitWithAck('message:send', { roomId: this.roomId, body })
        .then(
          (ack: { ok?: boolean; message?: ChatMessage }) => {
            if (ack?.ok && ack.message) {
              this.acked.set(ack.message.id, c.n);
              c.received.add(ack.message.id);
            } else this.sendFailures += 1;
          },
          () => (this.sendFailures += 1),
        );
    }
  }

  /** Time from `sinceEpochMs` until a message sent after it reached another member. */
  resumeAfter(sinceEpochMs: number): number | undefined {
    const d = this.deliveries.find((x) => x.sentAt >= sinceEpochMs);
    return d ? d.at - sinceEpochMs : undefined;
  }

  figures(): ChatFigures {
    let lost = 0;
    for (const [id, sender] of this.acked) for (const c of this.clients) if (c.n !== sender && !c.received.has(id)) lost += 1;
    const sorted = [...this.reconnectMs].sort((a, b) => a - b);
    return {
      clients: this.clients.length,
      disconnects: this.disconnects,
      reconnects: this.reconnectMs.length,
      reconnectP99Ms: percentile(sorted, 99),
      reconnectMaxMs: sorted[sorted.length - 1],
      notConnected: this.clients.filter((c) => !c.socket.connected).length,
      sent: this.sent,
      acked: this.acked.size,
      sendFailures: this.sendFailures,
      lost,
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
