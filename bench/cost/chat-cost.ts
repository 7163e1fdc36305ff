// Cost per chat event, measured alone through the load balancer: CLIENTS Socket.IO clients in
// ROOMS rooms (connect + join = one "session start"), then MESSAGES messages (each delivered to
// the other members of its room). CPU per process group, Redis commands and PostgreSQL
// statements per event, as for the HTTP endpoints (endpoint-cost.ts).
import { io, type Socket } from 'socket.io-client';
import type { ProcessGroup } from '../../load-tests/driver/process-cpu.ts';
import type { EndpointCost } from './endpoint-cost.ts';
import type { RedisCommandCount, StatementStats } from './statement-stats.ts';
import { cpuDelta, snapshotTicks } from './process-ticks.ts';

const ROOMS = 10;

interface Measured {
  events: number;
  run: () => Promise<number>;
}

async function measure(name: string, m: Measured, groups: ProcessGroup[], stats: StatementStats, redis: RedisCommandCount[]): Promise<EndpointCost> {
  await stats.reset();
  const redisBefore = await Promise.all(redis.map((r) => r.commands()));
  const before = await snapshotTicks(groups);
  const failed = await m.run();
  const after = await snapshotTicks(groups);
  const redisAfter = await Promise.all(redis.map((r) => r.commands()));
  const pg = await stats.read();
  return {
    name,
    requests: m.events,
    failed,
    cpuUs: cpuDelta(groups, before, after, m.events),
    pgExecUs: (pg.totalMs * 1000) / m.events,
    pgStatements: pg.calls / m.events,
    redisCalls: redisAfter.reduce((a, v, i) => a + v - redisBefore[i], 0) / m.events,
  };
}

async function roomIds(baseUrl: string, token: string): Promise<number[]> {
  const headers = { authorization: `Token ${token}`, 'content-type': 'application/json' };
  for (let i = 1; i <= ROOMS; i++) {
    await fetch(`${baseUrl}/api/chat/rooms`, { method: 'POST', headers, body: JSON.stringify({ room: { name: `costbench-room-${i}` } }) });
  }
  const list = (await (await fetch(`${baseUrl}/api/chat/rooms`, { headers })).json()) as { rooms: Array<{ id: number; name: string }> };
  return list.rooms
    .filter((r) => r.name.startsWith('costbench-room-'))
    .map((r) => r.id)
    .slice(0, ROOMS);
}

function emitAck(socket: Socket, event: string, arg: unknown): Promise<boolean> {
  return socket
    .timeout(10_000)
    .emitWithAck(event, arg)
    .then(
      (ack: { ok?: boolean }) => ack?.ok === true,
      () => false,
    );
}

/** Connects `clients` sockets 20 at a time (a crowd arriving, not a thundering herd); returns how many failed. */
async function connectInWaves(clients: number, connectOne: (i: number) => Promise<boolean>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < clients; i += 20) {
    const ok = await Promise.all(Array.from({ length: Math.min(20, clients - i) }, (_, k) => connectOne(i + k)));
    failed += ok.filter((x) => !x).length;
  }
  return failed;
}

/** ~200 messages/s, each client about 2/s (below the per-socket limit of 5/s); returns how many failed. */
async function sendMessages(messages: number, sockets: Socket[], rooms: number[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < messages; i += 20) {
    const batch = Array.from({ length: Math.min(20, messages - i) }, (_, k) => {
      const n = i + k;
      return emitAck(sockets[n % sockets.length], 'message:send', { roomId: rooms[(n % sockets.length) % rooms.length], body: `cost bench ${n}` });
    });
    failed += (await Promise.all(batch)).filter((x) => !x).length;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500)); // let the last deliveries arrive
  return failed;
}

/** Session start (connect + join) and message (+ its deliveries) costs. */
export async function measureChat(opts: {
  baseUrl: string;
  sessions: Array<{ token: string }>;
  groups: ProcessGroup[];
  stats: StatementStats;
  redis: RedisCommandCount[];
  clients: number;
  messages: number;
}): Promise<{ rows: EndpointCost[]; deliveriesPerMessage: number }> {
  const { baseUrl, groups, stats, redis } = opts;
  const rooms = await roomIds(baseUrl, opts.sessions[0].token);
  const sockets: Socket[] = [];
  let delivered = 0;
  const connectOne = (i: number) =>
    new Promise<boolean>((resolve) => {
      const socket = io(`${baseUrl}/chat`, { transports: ['websocket'], auth: { token: opts.sessions[i % opts.sessions.length].token }, reconnection: false, timeout: 10_000 });
      sockets.push(socket);
      socket.on('message', () => (delivered += 1));
      socket.once('connect', () => void emitAck(socket, 'room:join', { roomId: rooms[i % rooms.length] }).then(resolve));
      socket.once('connect_error', () => resolve(false));
    });
  try {
    const connect = await measure(
      'chat: connect + join a room',
      {
        events: opts.clients,
        run: () => connectInWaves(opts.clients, connectOne),
      },
      groups,
      stats,
      redis,
    );
    delivered = 0;
    const message = await measure(
      'chat: message (send, store, fan out)',
      {
        events: opts.messages,
        run: () => sendMessages(opts.messages, sockets, rooms),
      },
      groups,
      stats,
      redis,
    );
    return { rows: [connect, message], deliveriesPerMessage: delivered / opts.messages };
  } finally {
    sockets.forEach((s) => s.disconnect());
  }
}
