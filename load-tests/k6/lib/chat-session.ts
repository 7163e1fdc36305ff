// A chat user over k6/ws speaking Engine.IO v4 / Socket.IO (shared/socketio-framing.ts).
// Everything inside the callback is event-driven: no sleep() in WebSocket callbacks, timers
// are socket.setInterval/setTimeout.
import { check } from 'k6';
import ws from 'k6/ws';
import { CHAT_EVENTS, ackError, chatJoinArgs, chatMessageBody, chatRoomIndex, chatSendArgs, messageFromEvent, parseChatMessageBody } from '../../shared/chat-protocol.ts';
import type { VuState } from '../../shared/journeys.ts';
import type { LoadSettings } from '../../shared/settings.ts';
import { ENGINE_PONG, decodeFrame, encodeConnect, encodeEvent, socketIoWsUrl } from '../../shared/socketio-framing.ts';
import { chatConnect, chatDelivery, chatReceived, chatSent, journeyErrors } from './metrics.ts';

const JOIN_ACK = 1;

export function runChatSession(settings: LoadSettings, s: VuState, roomIds: readonly number[]): void {
  const nsp = settings.chat.namespace;
  const room = roomIds[chatRoomIndex(s.vu, roomIds.length)];
  const tags = { journey: 'chat' };
  let connectedAt = 0;
  let joined = false;
  let failed = false;
  let seq = 0;
  let nextAck = 100;
  const opened = Date.now();
  const fail = (why: string) => {
    if (!failed) journeyErrors.add(1, tags);
    failed = true;
    check(null, { [`chat: ${why}`]: () => false }, tags);
  };

  const res = ws.connect(socketIoWsUrl(settings.baseUrl), { tags }, (socket) => {
    socket.on('message', (raw: string) => {
      const frame = decodeFrame(raw);
      if (frame.type === 'ping') return socket.send(ENGINE_PONG);
      if (frame.type === 'open') return socket.send(encodeConnect(nsp, { token: s.token }));
      if (frame.type !== 'message' || frame.packet.nsp !== nsp) return;
      const p = frame.packet;
      if (p.type === 'connect') {
        connectedAt = Date.now();
        chatConnect.add(connectedAt - opened, tags);
        socket.send(encodeEvent(nsp, CHAT_EVENTS.join, chatJoinArgs(room), JOIN_ACK));
      } else if (p.type === 'connect_error') {
        fail('connect refused');
        socket.close();
      } else if (p.type === 'ack') {
        const error = ackError(p.args);
        check(p, { 'chat: ack ok': () => error === null }, tags);
        if (error) fail(`error ack (${error})`);
        if (p.id === JOIN_ACK && error === null && !joined) {
          joined = true;
          socket.setInterval(() => {
            seq += 1;
            chatSent.add(1, tags);
            socket.send(encodeEvent(nsp, CHAT_EVENTS.send, chatSendArgs(room, chatMessageBody(s.vu, seq, Date.now())), nextAck++));
          }, settings.chat.messageIntervalMs);
        }
      } else if (p.type === 'event' && p.event === CHAT_EVENTS.message) {
        const meta = parseChatMessageBody(messageFromEvent(p.args));
        if (meta && meta.vu !== s.vu) {
          chatDelivery.add(Date.now() - meta.sentAtMs, tags);
          chatReceived.add(1, tags);
        }
      }
    });
    socket.on('error', () => fail('socket error'));
    socket.setTimeout(() => {
      if (!connectedAt) fail('no namespace connect within 10 s');
    }, 10_000);
    socket.setTimeout(() => socket.close(), settings.chat.sessionS * 1000);
  });
  check(res, { 'chat: websocket upgraded (101)': (r) => !!r && r.status === 101 }, tags);
}
