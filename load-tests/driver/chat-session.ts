// A driver chat user: Engine.IO v4 / Socket.IO framing (shared/socketio-framing.ts, the same
// code the k6 chat journey uses) over undici's WebSocket, through the user's source-address
// pool. One session: connect with auth {token}, join the room, send a message every
// CHAT_MESSAGE_INTERVAL_MS, time each delivery from other members, leave after CHAT_SESSION.
import { WebSocket, type Agent } from 'undici';
import { CHAT_EVENTS, ackError, chatJoinArgs, chatMessageBody, chatSendArgs, messageFromEvent, parseChatMessageBody } from '../shared/chat-protocol.ts';
import type { LoadSettings } from '../shared/settings.ts';
import { ENGINE_PONG, decodeFrame, encodeConnect, encodeEvent, socketIoWsUrl } from '../shared/socketio-framing.ts';
import type { Recorder } from './recorder.ts';

const JOIN_ACK = 1;
const CONNECT_TIMEOUT_MS = 10_000;

export function runChatSession(opts: { settings: LoadSettings; vu: number; token: string; roomId: number; agent: Agent; rec: Recorder; stop: AbortSignal }): Promise<void> {
  const { settings, vu, token, roomId, agent, rec, stop } = opts;
  const nsp = settings.chat.namespace;
  return new Promise((resolve) => {
    const opened = performance.now();
    let connected = false;
    let ending = false;
    let seq = 0;
    let nextAck = 100;
    let sendTimer: NodeJS.Timeout | undefined;
    const ws = new WebSocket(socketIoWsUrl(settings.baseUrl), { dispatcher: agent });

    const finish = () => {
      if (ending) return;
      ending = true;
      clearInterval(sendTimer);
      clearTimeout(connectTimer);
      clearTimeout(sessionTimer);
      stop.removeEventListener('abort', finish);
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    };
    const fail = (reason: string, connectFailure = false) => {
      if (ending) return;
      rec.chatError(reason, connectFailure);
      finish();
    };
    const connectTimer = setTimeout(() => !connected && fail('no namespace connect within 10 s', true), CONNECT_TIMEOUT_MS);
    const sessionTimer = setTimeout(finish, settings.chat.sessionS * 1000);
    stop.addEventListener('abort', finish);

    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return;
      const frame = decodeFrame(ev.data);
      if (frame.type === 'ping') return ws.send(ENGINE_PONG);
      if (frame.type === 'open') return ws.send(encodeConnect(nsp, { token }));
      if (frame.type === 'close') return fail('server closed the Engine.IO session');
      if (frame.type !== 'message' || frame.packet.nsp !== nsp) return;
      const p = frame.packet;
      if (p.type === 'connect') {
        connected = true;
        rec.chatConnected(performance.now() - opened);
        ws.send(encodeEvent(nsp, CHAT_EVENTS.join, chatJoinArgs(roomId), JOIN_ACK));
      } else if (p.type === 'connect_error') {
        fail(`connect refused: ${JSON.stringify(p.data)}`, true);
      } else if (p.type === 'disconnect') {
        fail('disconnected by the server');
      } else if (p.type === 'ack') {
        const error = ackError(p.args);
        if (error) return fail(`${p.id === JOIN_ACK ? 'join' : 'send'} ack: ${error}`);
        rec.chatAckOk();
        if (p.id === JOIN_ACK && !sendTimer) {
          sendTimer = setInterval(() => {
            if (ending) return;
            seq += 1;
            rec.chatMessageSent();
            ws.send(encodeEvent(nsp, CHAT_EVENTS.send, chatSendArgs(roomId, chatMessageBody(vu, seq, Date.now())), nextAck++));
          }, settings.chat.messageIntervalMs);
        }
      } else if (p.type === 'event' && p.event === CHAT_EVENTS.message) {
        const meta = parseChatMessageBody(messageFromEvent(p.args));
        if (meta && meta.vu !== vu) rec.chatDelivered(Date.now() - meta.sentAtMs);
      }
    });
    ws.addEventListener('error', () => fail(connected ? 'socket error' : 'websocket handshake failed', !connected));
    ws.addEventListener('close', () => {
      if (!ending) fail(connected ? 'socket closed unexpectedly' : 'websocket closed before connect', !connected);
      resolve();
    });
  });
}
