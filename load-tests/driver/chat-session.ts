// A driver chat user: Engine.IO v4 / Socket.IO framing (shared/socketio-framing.ts, the same
// code the k6 chat journey uses) over undici's WebSocket, through the user's source-address
// pool. One session: connect with auth {token}, join the room, send a message every
// CHAT_MESSAGE_INTERVAL_MS, time each delivery from other members, leave after CHAT_SESSION.
import { WebSocket, type Agent } from 'undici';
import { CHAT_EVENTS, ackError, chatJoinArgs, chatMessageBody, chatSendArgs, messageFromEvent, parseChatMessageBody } from '../shared/chat-protocol.ts';
import type { LoadSettings } from '../shared/settings.ts';
import { ENGINE_PONG, decodeFrame, encodeConnect, encodeEvent, socketIoWsUrl, type SocketPacket } from '../shared/socketio-framing.ts';
import type { Recorder } from './recorder.ts';

const JOIN_ACK = 1;
const CONNECT_TIMEOUT_MS = 10_000;

export interface ChatSessionOptions {
  settings: LoadSettings;
  vu: number;
  token: string;
  roomId: number;
  agent: Agent;
  rec: Recorder;
  stop: AbortSignal;
}

export function runChatSession(opts: ChatSessionOptions): Promise<void> {
  return new ChatSession(opts).run();
}

/** One chat session over one WebSocket; resolves when the socket has closed. */
class ChatSession {
  private readonly nsp: string;
  private ws!: WebSocket;
  private opened = 0;
  private connected = false;
  private ending = false;
  private seq = 0;
  private nextAck = 100;
  private sendTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private sessionTimer?: NodeJS.Timeout;

  constructor(private readonly opts: ChatSessionOptions) {
    this.nsp = opts.settings.chat.namespace;
  }

  run(): Promise<void> {
    const { settings, agent, stop } = this.opts;
    return new Promise((resolve) => {
      this.opened = performance.now();
      const ws = (this.ws = new WebSocket(socketIoWsUrl(settings.baseUrl), { dispatcher: agent }));
      this.connectTimer = setTimeout(() => !this.connected && this.fail('no namespace connect within 10 s', true), CONNECT_TIMEOUT_MS);
      this.sessionTimer = setTimeout(this.finish, settings.chat.sessionS * 1000);
      stop.addEventListener('abort', this.finish);
      ws.addEventListener('message', (ev) => {
        if (typeof ev.data === 'string') this.onFrame(ev.data);
      });
      ws.addEventListener('error', () => this.fail(this.connected ? 'socket error' : 'websocket handshake failed', !this.connected));
      ws.addEventListener('close', () => {
        if (!this.ending) this.fail(this.connected ? 'socket closed unexpectedly' : 'websocket closed before connect', !this.connected);
        resolve();
      });
    });
  }

  /** Ends the session (idempotent): timers off, socket closed. */
  private readonly finish = () => {
    if (this.ending) return;
    this.ending = true;
    clearInterval(this.sendTimer);
    clearTimeout(this.connectTimer);
    clearTimeout(this.sessionTimer);
    this.opts.stop.removeEventListener('abort', this.finish);
    try {
      this.ws.close();
    } catch {
      /* already closed */
    }
  };

  private fail(reason: string, connectFailure = false): void {
    if (this.ending) return;
    this.opts.rec.chatError(reason, connectFailure);
    this.finish();
  }

  private onFrame(data: string): void {
    const frame = decodeFrame(data);
    if (frame.type === 'ping') return this.ws.send(ENGINE_PONG);
    if (frame.type === 'open') return this.ws.send(encodeConnect(this.nsp, { token: this.opts.token }));
    if (frame.type === 'close') return this.fail('server closed the Engine.IO session');
    if (frame.type !== 'message' || frame.packet.nsp !== this.nsp) return;
    this.onPacket(frame.packet);
  }

  private onPacket(p: SocketPacket): void {
    const { rec, vu, roomId } = this.opts;
    if (p.type === 'connect') {
      this.connected = true;
      rec.chatConnected(performance.now() - this.opened);
      this.ws.send(encodeEvent(this.nsp, CHAT_EVENTS.join, chatJoinArgs(roomId), JOIN_ACK));
    } else if (p.type === 'connect_error') {
      this.fail(`connect refused: ${JSON.stringify(p.data)}`, true);
    } else if (p.type === 'disconnect') {
      this.fail('disconnected by the server');
    } else if (p.type === 'ack') {
      this.onAck(p.id, p.args);
    } else if (p.type === 'event' && p.event === CHAT_EVENTS.message) {
      const meta = parseChatMessageBody(messageFromEvent(p.args));
      if (meta && meta.vu !== vu) rec.chatDelivered(Date.now() - meta.sentAtMs);
    }
  }

  /** The join ack starts sending: one message every CHAT_MESSAGE_INTERVAL_MS. */
  private onAck(id: number, args: unknown[]): void {
    const error = ackError(args);
    if (error) return this.fail(`${id === JOIN_ACK ? 'join' : 'send'} ack: ${error}`);
    this.opts.rec.chatAckOk();
    if (id === JOIN_ACK && !this.sendTimer) this.sendTimer = setInterval(() => this.sendMessage(), this.opts.settings.chat.messageIntervalMs);
  }

  private sendMessage(): void {
    if (this.ending) return;
    const { rec, vu, roomId } = this.opts;
    this.seq += 1;
    rec.chatMessageSent();
    this.ws.send(encodeEvent(this.nsp, CHAT_EVENTS.send, chatSendArgs(roomId, chatMessageBody(vu, this.seq, Date.now())), this.nextAck++));
  }
}
