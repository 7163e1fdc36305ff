// Engine.IO v4 + Socket.IO v5 text framing, enough for a load client over a plain WebSocket
// (k6 has no Socket.IO client). Pure functions: unit-tested in socketio-framing.spec.ts,
// used by the k6 chat journey and by the Node driver's chat users alike.
//
// On the wire (transport=websocket, no polling):
//   server -> 0{"sid":..,"pingInterval":..,"pingTimeout":..}   Engine.IO open
//   client -> 40/chat,{"token":".."}                            Socket.IO CONNECT to a namespace with auth
//   server -> 40/chat,{"sid":".."}  or  44/chat,{"message":..}  connected / connect_error
//   both   -> 42/chat,7["event",arg]                           EVENT (7 = ack id, optional)
//   both   -> 43/chat,7[result]                                ACK for event 7
//   server -> 2   client -> 3                                   Engine.IO ping / pong (answer every ping)

export const ENGINE_PING = '2';
export const ENGINE_PONG = '3';

/** Path of the WebSocket endpoint: `/socket.io/?EIO=4&transport=websocket`. */
export function socketIoWsUrl(baseUrl: string, path = '/socket.io/'): string {
  const ws = baseUrl.replace(/^http(s?):\/\//, (_m, s: string) => `ws${s}://`).replace(/\/+$/, '');
  return `${ws}${path}?EIO=4&transport=websocket`;
}

function nspPart(nsp: string): string {
  return nsp === '/' || nsp === '' ? '' : `${nsp},`;
}

export function encodeConnect(nsp: string, auth?: Record<string, unknown>): string {
  return `40${nspPart(nsp)}${auth === undefined ? '' : JSON.stringify(auth)}`;
}

export function encodeDisconnect(nsp: string): string {
  return `41${nspPart(nsp)}`;
}

export function encodeEvent(nsp: string, event: string, args: readonly unknown[] = [], ackId?: number): string {
  return `42${nspPart(nsp)}${ackId === undefined ? '' : ackId}${JSON.stringify([event, ...args])}`;
}

export function encodeAck(nsp: string, ackId: number, args: readonly unknown[] = []): string {
  return `43${nspPart(nsp)}${ackId}${JSON.stringify(args)}`;
}

export interface EngineOpen {
  sid: string;
  pingInterval: number;
  pingTimeout: number;
  maxPayload?: number;
  upgrades?: string[];
}

export type SocketPacket =
  | { type: 'connect'; nsp: string; data?: unknown }
  | { type: 'disconnect'; nsp: string }
  | { type: 'event'; nsp: string; id?: number; event: string; args: unknown[] }
  | { type: 'ack'; nsp: string; id: number; args: unknown[] }
  | { type: 'connect_error'; nsp: string; data?: unknown }
  | { type: 'unsupported'; nsp: string; raw: string };

export type EngineFrame =
  { type: 'open'; open: EngineOpen } | { type: 'close' } | { type: 'ping' } | { type: 'pong' } | { type: 'noop' } | { type: 'message'; packet: SocketPacket } | { type: 'invalid'; raw: string };

const SOCKET_TYPES = ['connect', 'disconnect', 'event', 'ack', 'connect_error', 'binary_event', 'binary_ack'] as const;

/** Decodes the Socket.IO packet carried by an Engine.IO message (the text after the leading `4`). */
export function decodeSocketPacket(text: string): SocketPacket {
  const kind = SOCKET_TYPES[Number(text[0])];
  let i = 1;
  let nsp = '/';
  if (kind === 'binary_event' || kind === 'binary_ack' || kind === undefined) return { type: 'unsupported', nsp, raw: text };
  if (text[i] === '/') {
    const comma = text.indexOf(',', i);
    // A namespace without payload may end the frame: `41/chat` or `40/chat,`
    const end = comma === -1 ? text.length : comma;
    nsp = text.slice(i, end);
    i = comma === -1 ? text.length : comma + 1;
  }
  let idDigits = '';
  while (i < text.length && text[i] >= '0' && text[i] <= '9') idDigits += text[i++];
  const id = idDigits ? Number(idDigits) : undefined;
  const json = text.slice(i);
  let data: unknown;
  if (json) {
    try {
      data = JSON.parse(json);
    } catch {
      return { type: 'unsupported', nsp, raw: text };
    }
  }
  switch (kind) {
    case 'connect':
      return { type: 'connect', nsp, data };
    case 'disconnect':
      return { type: 'disconnect', nsp };
    case 'connect_error':
      return { type: 'connect_error', nsp, data };
    case 'event': {
      if (!Array.isArray(data) || typeof data[0] !== 'string') return { type: 'unsupported', nsp, raw: text };
      return { type: 'event', nsp, id, event: data[0], args: data.slice(1) };
    }
    case 'ack': {
      if (id === undefined || !Array.isArray(data)) return { type: 'unsupported', nsp, raw: text };
      return { type: 'ack', nsp, id, args: data };
    }
  }
}

/** Decodes one WebSocket text frame of Engine.IO v4. */
export function decodeFrame(raw: string): EngineFrame {
  switch (raw[0]) {
    case '0':
      try {
        const open = JSON.parse(raw.slice(1)) as EngineOpen;
        if (typeof open.sid !== 'string') return { type: 'invalid', raw };
        return { type: 'open', open };
      } catch {
        return { type: 'invalid', raw };
      }
    case '1':
      return { type: 'close' };
    case '2':
      return { type: 'ping' };
    case '3':
      return { type: 'pong' };
    case '4':
      return { type: 'message', packet: decodeSocketPacket(raw.slice(1)) };
    case '6':
      return { type: 'noop' };
    default:
      return { type: 'invalid', raw };
  }
}
