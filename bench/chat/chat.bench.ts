/**
 * Chat delivery benchmark: `npm run bench:chat`.
 *
 * 1000 Socket.IO clients (WebSocket) in 10 rooms of 100; 200 messages/s are sent by random
 * members (open model: the send schedule does not wait for acks). For every message we measure
 * the latency from send to receipt by EACH other member of its room, and the delivered
 * messages per second. Two runs in the same process, same data: a single-instance baseline
 * (every client on instance 1) and the scaled setup (clients alternate between 2 instances, so
 * most deliveries cross the Redis Streams adapter). Target: p95 < 100 ms on the 2-core box.
 *
 * Everything runs on loopback with a private redis-server (port 6401) and a throwaway database;
 * the API processes are the real server (apps/api/src/main.ts). Results: bench/results/chat.{json,md}.
 * Knobs (env): BENCH_CLIENTS, BENCH_ROOMS, BENCH_RATE, BENCH_SECONDS (per round), BENCH_ROUNDS.
 */
import { applyMigrations } from '@conduit/db';
import { SignJWT } from 'jose';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { startApiProcess, stopAll, type ApiProcess } from '../../apps/api/test/chat/support/api-process.js';
import { redisServer } from '../../apps/api/test/chat/support/redis-server.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const ROOMS = Number(process.env.BENCH_ROOMS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 3;
const PORTS = [4146, 4147];
const REDIS_PORT = 6401;
const SECRET = 'bench-chat-secret-0123456789abcdef';
const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLK_TCK = 100;
/** A round is "quiet" when an idle Node process saw event-loop p99 at or below this (the box was not oversubscribed). */
const QUIET_IDLE_LAG_MS = 25;

interface PhaseResult {
  name: string;
  instances: number;
  clients: number;
  rooms: number;
  targetRate: number;
  seconds: number;
  sent: number;
  acked: number;
  sendErrors: number;
  expectedDeliveries: number;
  delivered: number;
  missing: number;
  deliveredPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  ackMs: { p50: number; p95: number; p99: number };
  apiCpuPercent: Record<string, number>;
  /** Event-loop delay p99 inside each API process over the measured window (prom-client default metric). */
  apiEventLoopLagP99Ms: Record<string, number>;
  loadAverage1m: number;
  /** Control: event-loop delay p99 of an IDLE Node process during the same window (machine noise floor). */
  idleProcessLagP99Ms: number;
  benchClientCpuPercent: number;
  connectSeconds: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An idle Node process measuring its own event-loop delay: how much the box alone delays a loop. */
function idleLagProbe(seconds: number): Promise<number> {
  const code = `const h=require('perf_hooks').monitorEventLoopDelay({resolution:10});h.enable();setTimeout(()=>{console.log(h.percentile(99)/1e6);process.exit(0)},${seconds * 1000})`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(round(Number(out.trim()))));
  });
}

/** Reading /metrics also resets prom-client's event-loop-delay histogram: read once before, once after. */
async function eventLoopLagP99Ms(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return match ? round(Number(match[1]) * 1000) : NaN;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}

async function setupDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `conduit_bench_chat_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString(), `${ROOT}prisma/migrations`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** 1000 users, 10 rooms, user i member of room i % ROOMS: inserted directly (no argon2 in the setup). */
async function seed(url: string): Promise<{ users: { id: number; username: string; roomId: number }[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows: users } = await c.query<{ id: number; username: string }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     SELECT 'bench' || g || '@example.test', 'bench' || g, 'x', now() FROM generate_series(1, $1) g RETURNING id, username`,
    [CLIENTS],
  );
  const { rows: rooms } = await c.query<{ id: number }>(
    `INSERT INTO chat_rooms (name, created_by_id) SELECT 'bench-room-' || g, $2 FROM generate_series(1, $1) g RETURNING id`,
    [ROOMS, users[0].id],
  );
  const members = users.map((u, i) => ({ ...u, roomId: rooms[i % rooms.length].id }));
  await c.query(
    `INSERT INTO chat_members (room_id, user_id) SELECT * FROM unnest($1::int[], $2::int[])`,
    [members.map((m) => m.roomId), members.map((m) => m.id)],
  );
  await c.end();
  return { users: members };
}

interface Client {
  socket: Socket;
  roomId: number;
}

async function connectAll(urls: string[], users: { id: number; username: string; roomId: number }[], tokens: string[]): Promise<Client[]> {
  const clients: Client[] = new Array(users.length);
  const BATCH = 50;
  for (let start = 0; start < users.length; start += BATCH) {
    await Promise.all(
      users.slice(start, start + BATCH).map(async (u, k) => {
        const i = start + k;
        const socket = io(`${urls[i % urls.length]}/chat`, { transports: ['websocket'], auth: { token: tokens[i] }, forceNew: true, reconnection: false, timeout: 20_000 });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const res = await socket.timeout(30_000).emitWithAck('room:join', { roomId: u.roomId, since: 2_147_483_647 });
        if (!res.ok) throw new Error(`join failed: ${JSON.stringify(res)}`);
        clients[i] = { socket, roomId: u.roomId };
      }),
    );
  }
  return clients;
}

interface PhaseRun {
  result: PhaseResult;
  latencies: number[];
  ackTimes: number[];
}

async function runPhase(name: string, apis: ApiProcess[], users: { id: number; username: string; roomId: number }[], tokens: string[]): Promise<PhaseRun> {
  console.log(`\n[${name}] connecting ${users.length} clients to ${apis.length} instance(s)...`);
  const t0 = performance.now();
  const clients = await connectAll(apis.map((a) => a.url), users, tokens);
  const connectSeconds = (performance.now() - t0) / 1000;
  const membersPerRoom = new Map<number, number>();
  for (const c of clients) membersPerRoom.set(c.roomId, (membersPerRoom.get(c.roomId) ?? 0) + 1);
  console.log(`[${name}] connected in ${connectSeconds.toFixed(1)} s; warming up ${WARMUP_SECONDS} s`);

  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const ackTimes: number[] = [];
  let measuring = false;
  let delivered = 0;
  for (const c of clients) {
    c.socket.on('message', (m: { body: string }) => {
      if (!measuring || !m.body.startsWith('b:')) return;
      const t = sentAt.get(Number(m.body.slice(2)));
      if (t === undefined) return;
      latencies.push(performance.now() - t);
      delivered++;
    });
  }

  // Open-model sender: each tick sends however many messages the schedule is behind.
  let seq = 0;
  let sent = 0;
  let acked = 0;
  let sendErrors = 0;
  let expectedDeliveries = 0;
  const send = (measure: boolean) => {
    const c = clients[Math.floor(Math.random() * clients.length)];
    const id = ++seq;
    const start = performance.now();
    if (measure) {
      sentAt.set(id, start);
      sent++;
      expectedDeliveries += (membersPerRoom.get(c.roomId) ?? 1) - 1;
    }
    c.socket.timeout(10_000).emit('message:send', { roomId: c.roomId, body: `b:${id}` }, (err: Error | null, res: { ok: boolean }) => {
      if (!measure) return;
      if (err || !res?.ok) sendErrors++;
      else {
        acked++;
        ackTimes.push(performance.now() - start);
      }
    });
  };
  const drive = async (seconds: number, measure: boolean) => {
    const begin = performance.now();
    let done = 0;
    while (performance.now() - begin < seconds * 1000) {
      const due = Math.floor(((performance.now() - begin) / 1000) * RATE);
      while (done < due) {
        send(measure);
        done++;
      }
      await sleep(2);
    }
  };

  await drive(WARMUP_SECONDS, false);
  await sleep(500);
  measuring = true;
  await Promise.all(apis.map((a) => eventLoopLagP99Ms(a.url)));
  const cpuBefore = apis.map((a) => cpuTicks(a.proc.pid!));
  const selfBefore = process.cpuUsage();
  const measureStart = performance.now();
  const idleLag = idleLagProbe(SECONDS);
  await drive(SECONDS, true);
  // Let the last deliveries arrive (bounded).
  const drainUntil = performance.now() + 5_000;
  while (delivered < expectedDeliveries && performance.now() < drainUntil) await sleep(50);
  const elapsed = (performance.now() - measureStart) / 1000;
  const cpuAfter = apis.map((a) => cpuTicks(a.proc.pid!));
  const self = process.cpuUsage(selfBefore);
  measuring = false;
  const lags = await Promise.all(apis.map((a) => eventLoopLagP99Ms(a.url)));

  for (const c of clients) c.socket.disconnect();
  await sleep(1_000);

  latencies.sort((a, b) => a - b);
  ackTimes.sort((a, b) => a - b);
  const apiCpuPercent: Record<string, number> = {};
  apis.forEach((a, i) => (apiCpuPercent[a.name] = round(((cpuAfter[i] - cpuBefore[i]) / CLK_TCK / elapsed) * 100)));
  const result: PhaseResult = {
    name,
    instances: apis.length,
    clients: clients.length,
    rooms: membersPerRoom.size,
    targetRate: RATE,
    seconds: SECONDS,
    sent,
    acked,
    sendErrors,
    expectedDeliveries,
    delivered,
    missing: expectedDeliveries - delivered,
    deliveredPerSecond: round(delivered / SECONDS),
    latencyMs: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)), p99: round(pct(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
    ackMs: { p50: round(pct(ackTimes, 50)), p95: round(pct(ackTimes, 95)), p99: round(pct(ackTimes, 99)) },
    apiCpuPercent,
    apiEventLoopLagP99Ms: Object.fromEntries(apis.map((a, i) => [a.name, lags[i]])),
    loadAverage1m: round(os.loadavg()[0]),
    idleProcessLagP99Ms: await idleLag,
    benchClientCpuPercent: round(((self.user + self.system) / 1e6 / elapsed) * 100),
    connectSeconds: round(connectSeconds),
  };
  console.log(`[${name}]`, JSON.stringify(result));
  return { result, latencies, ackTimes };
}

/** One configuration's rounds pooled: sums for counts, percentiles over all samples, means for CPU/lag. */
function pool(name: string, runs: PhaseRun[]): PhaseResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const acks = runs.flatMap((r) => r.ackTimes).sort((a, b) => a - b);
  const first = runs[0].result;
  const sum = (f: (r: PhaseResult) => number) => runs.reduce((acc, r) => acc + f(r.result), 0);
  const mean = (f: (r: PhaseResult) => number) => round(sum(f) / runs.length);
  const meanOf = (f: (r: PhaseResult) => Record<string, number>) => Object.fromEntries(Object.keys(f(first)).map((k) => [k, mean((r) => f(r)[k])]));
  const delivered = sum((r) => r.delivered);
  return {
    ...first,
    name,
    seconds: first.seconds * runs.length,
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    sendErrors: sum((r) => r.sendErrors),
    expectedDeliveries: sum((r) => r.expectedDeliveries),
    delivered,
    missing: sum((r) => r.missing),
    deliveredPerSecond: round(delivered / (first.seconds * runs.length)),
    latencyMs: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)), p99: round(pct(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
    ackMs: { p50: round(pct(acks, 50)), p95: round(pct(acks, 95)), p99: round(pct(acks, 99)) },
    apiCpuPercent: meanOf((r) => r.apiCpuPercent),
    apiEventLoopLagP99Ms: meanOf((r) => r.apiEventLoopLagP99Ms),
    loadAverage1m: mean((r) => r.loadAverage1m),
    idleProcessLagP99Ms: mean((r) => r.idleProcessLagP99Ms),
    benchClientCpuPercent: mean((r) => r.benchClientCpuPercent),
    connectSeconds: mean((r) => r.connectSeconds),
  };
}

/** Pools only the rounds the control calls quiet, per configuration (a transparent rule, not a pick). */
function quietLine(runs: { base: PhaseRun[]; scaled: PhaseRun[] }): string {
  const quiet = (rs: PhaseRun[]) => rs.filter((r) => r.result.idleProcessLagP99Ms <= QUIET_IDLE_LAG_MS);
  const [qb, qs] = [quiet(runs.base), quiet(runs.scaled)];
  if (!qb.length || !qs.length) return `Quiet rounds (idle-process event-loop p99 <= ${QUIET_IDLE_LAG_MS} ms): not enough in this run for both configurations.`;
  const [b, sc] = [pool('baseline', qb), pool('two instances', qs)];
  return (
    `Quiet rounds only (idle-process event-loop p99 <= ${QUIET_IDLE_LAG_MS} ms; ${qb.length} baseline, ${qs.length} two-instance): ` +
    `baseline p50/p95/p99 ${b.latencyMs.p50}/${b.latencyMs.p95}/${b.latencyMs.p99} ms, two instances ${sc.latencyMs.p50}/${sc.latencyMs.p95}/${sc.latencyMs.p99} ms ` +
    `(p95 x${round(sc.latencyMs.p95 / b.latencyMs.p95)}); target p95 < 100 ms ${sc.latencyMs.p95 < 100 ? 'met' : 'NOT met'}.`
  );
}

function markdown(results: PhaseResult[], meta: Record<string, unknown>, runs: { base: PhaseRun[]; scaled: PhaseRun[] }): string {
  const [base, scaled] = results;
  const row = (r: PhaseResult) =>
    `| ${r.name} | ${r.instances} | ${r.clients} | ${r.sent} | ${r.delivered}/${r.expectedDeliveries} | ${r.deliveredPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.ackMs.p95} | ${Object.values(r.apiCpuPercent).join(' / ')} | ${Object.values(r.apiEventLoopLagP99Ms).join(' / ')} | ${r.idleProcessLagP99Ms} | ${r.benchClientCpuPercent} | ${r.loadAverage1m} |`;
  return [
    '# Chat delivery benchmark',
    '',
    `Command: \`npm run bench:chat\` (${meta.date}, ${meta.cpus} CPUs, load average ${meta.loadAverage1m} at the end, Node ${meta.node}). ${base.clients} WebSocket clients in ${base.rooms} rooms, ` +
      `${base.targetRate} msg/s sent; ${ROUNDS} alternating rounds of ${SECONDS} s per configuration (after ${WARMUP_SECONDS} s warm-up each), pooled; latency = send -> receipt by every other room member. CPU, lag and load columns are means over rounds; per-round figures are in chat.json.`,
    '',
    '| run | instances | clients | msgs sent | delivered/expected | delivered msg/s | p50 ms | p95 ms | p99 ms | max ms | ack p95 ms | API CPU % | API event-loop p99 ms | idle-process event-loop p99 ms | bench client CPU % | load avg 1m |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    row(base),
    row(scaled),
    '',
    `Two instances vs single-instance baseline: p95 x${round(scaled.latencyMs.p95 / base.latencyMs.p95)}, p99 x${round(scaled.latencyMs.p99 / base.latencyMs.p99)}, ` +
      `delivered msg/s x${round(scaled.deliveredPerSecond / base.deliveredPerSecond)}. Target p95 < 100 ms: ${scaled.latencyMs.p95 < 100 ? 'met' : 'NOT met'} (2 instances).`,
    '',
    '## Per round (alternating), with the machine-noise control',
    '',
    '| round | run | p50 ms | p95 ms | p99 ms | idle-process event-loop p99 ms | load avg 1m |',
    '|---|---|---|---|---|---|---|',
    ...runs.base.flatMap((b, i) => [b, runs.scaled[i]]).map(
      (r) => `| ${r.result.name.split('round ')[1]} | ${r.result.name.split(',')[0]} | ${r.result.latencyMs.p50} | ${r.result.latencyMs.p95} | ${r.result.latencyMs.p99} | ${r.result.idleProcessLagP99Ms} | ${r.result.loadAverage1m} |`,
    ),
    '',
    quietLine(runs),
    '',
    'All processes (API instances, Redis, PostgreSQL and the 1000 clients) share the same 2 cores with the other engineers\' work, so the client process competes with the servers it measures.',
    '"idle-process event-loop p99" is a control: an idle Node process measuring its own event-loop delay during the same window. When it is far above a few ms the box is oversubscribed and the latency figures mostly measure CPU scheduling, not chat.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const redis = redisServer(REDIS_PORT);
  let db: Awaited<ReturnType<typeof setupDatabase>> | undefined;
  let apis: ApiProcess[] = [];
  try {
    await redis.start();
    db = await setupDatabase();
    const { users } = await seed(db.url);
    const key = new TextEncoder().encode(SECRET);
    const tokens = await Promise.all(
      users.map((u) => new SignJWT({ username: u.username }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(u.id)).setIssuedAt().setExpirationTime('2h').sign(key)),
    );
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'bench:',
      JWT_SECRET: SECRET,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
      LOAD_SHED_MAX_IN_FLIGHT: '100000',
    };
    apis = await Promise.all(PORTS.map((port, i) => startApiProcess(`bench-api-${i + 1}`, port, env)));
    // Rounds alternate baseline and scaled runs so that load from other work on the shared box
    // hits both configurations alike; each configuration's figures pool its rounds.
    const runs: { base: PhaseRun[]; scaled: PhaseRun[] } = { base: [], scaled: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      runs.base.push(await runPhase(`single instance (baseline), round ${round}`, [apis[0]], users, tokens));
      runs.scaled.push(await runPhase(`two instances, round ${round}`, apis, users, tokens));
    }
    const results = [pool('single instance (baseline)', runs.base), pool('two instances', runs.scaled)];
    const meta = { date: new Date().toISOString(), loadAverage1m: round(os.loadavg()[0]), cpus: os.cpus().length, node: process.version, clients: CLIENTS, rooms: ROOMS, rate: RATE, secondsPerRound: SECONDS, rounds: ROUNDS };
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/chat.json`, `${JSON.stringify({ meta, results, rounds: { baseline: runs.base.map((r) => r.result), twoInstances: runs.scaled.map((r) => r.result) } }, null, 2)}\n`);
    const md = markdown(results, meta, runs);
    writeFileSync(`${ROOT}bench/results/chat.md`, md);
    console.log(`\n${md}`);
  } finally {
    await stopAll(apis);
    await redis.kill();
    await db?.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
