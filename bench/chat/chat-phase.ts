import { spawn } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ApiProcess } from '../../apps/api/test/chat/support/api-process.js';
import { cpuMicros, percentileOfSorted } from '../support/bench-process.js';
import { RATE, SECONDS, WARMUP_SECONDS, round } from './chat-settings.js';
import type { BenchUser } from './chat-setup.js';

export interface PhaseResult {
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

export interface PhaseRun {
  result: PhaseResult;
  latencies: number[];
  ackTimes: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p50/p95/p99 (and max) of a run's samples, in ms rounded to 0.01. */
export function summarize(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => percentileOfSorted(sorted, p);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted.at(-1) ?? NaN) };
}

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

interface Client {
  socket: Socket;
  roomId: number;
}

async function connectAll(urls: string[], users: BenchUser[], tokens: string[]): Promise<Client[]> {
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

/** Open-model sender over the connected clients, and the deliveries and acks of the messages it measures. */
class Traffic {
  readonly latencies: number[] = [];
  readonly ackTimes: number[] = [];
  readonly membersPerRoom = new Map<number, number>();
  /** Deliveries count only while measuring (warm-up messages still in flight are left out). */
  measuring = false;
  delivered = 0;
  sent = 0;
  acked = 0;
  sendErrors = 0;
  expectedDeliveries = 0;
  private seq = 0;
  private readonly sentAt = new Map<number, number>();

  constructor(private readonly clients: Client[]) {
    for (const c of clients) this.membersPerRoom.set(c.roomId, (this.membersPerRoom.get(c.roomId) ?? 0) + 1);
    for (const c of clients) {
      c.socket.on('message', (m: { body: string }) => {
        if (!this.measuring || !m.body.startsWith('b:')) return;
        const t = this.sentAt.get(Number(m.body.slice(2)));
        if (t === undefined) return;
        this.latencies.push(performance.now() - t);
        this.delivered++;
      });
    }
  }

  /** Each tick sends however many messages the schedule is behind. */
  async drive(seconds: number, measure: boolean): Promise<void> {
    const begin = performance.now();
    let done = 0;
    while (performance.now() - begin < seconds * 1000) {
      const due = Math.floor(((performance.now() - begin) / 1000) * RATE);
      while (done < due) {
        this.send(measure);
        done++;
      }
      await sleep(2);
    }
  }

  /** Lets the last deliveries arrive (bounded). */
  async drain(timeoutMs: number): Promise<void> {
    const drainUntil = performance.now() + timeoutMs;
    while (this.delivered < this.expectedDeliveries && performance.now() < drainUntil) await sleep(50);
  }

  private send(measure: boolean): void {
    const c = this.clients[Math.floor(Math.random() * this.clients.length)];
    const id = ++this.seq;
    const start = performance.now();
    if (measure) {
      this.sentAt.set(id, start);
      this.sent++;
      this.expectedDeliveries += (this.membersPerRoom.get(c.roomId) ?? 1) - 1;
    }
    c.socket.timeout(10_000).emit('message:send', { roomId: c.roomId, body: `b:${id}` }, (err: Error | null, res: { ok: boolean }) => {
      if (!measure) return;
      if (err || !res?.ok) this.sendErrors++;
      else {
        this.acked++;
        this.ackTimes.push(performance.now() - start);
      }
    });
  }
}

interface Window {
  elapsed: number;
  apiCpuPercent: Record<string, number>;
  apiEventLoopLagP99Ms: Record<string, number>;
  benchClientCpuPercent: number;
  /** Resolves when the idle-process control (started with the window) reports. */
  idleLag: Promise<number>;
}

/** The measured SECONDS of traffic, with the API processes' CPU and event-loop lag and this process's CPU. */
async function measureWindow(apis: ApiProcess[], traffic: Traffic): Promise<Window> {
  traffic.measuring = true;
  await Promise.all(apis.map((a) => eventLoopLagP99Ms(a.url)));
  const cpuBefore = await Promise.all(apis.map((a) => cpuMicros(a.proc.pid)));
  const selfBefore = process.cpuUsage();
  const measureStart = performance.now();
  const idleLag = idleLagProbe(SECONDS);
  await traffic.drive(SECONDS, true);
  await traffic.drain(5_000);
  const elapsed = (performance.now() - measureStart) / 1000;
  const cpuAfter = await Promise.all(apis.map((a) => cpuMicros(a.proc.pid)));
  const self = process.cpuUsage(selfBefore);
  traffic.measuring = false;
  const lags = await Promise.all(apis.map((a) => eventLoopLagP99Ms(a.url)));
  const apiCpuPercent: Record<string, number> = {};
  apis.forEach((a, i) => (apiCpuPercent[a.name] = round((((cpuAfter[i] ?? NaN) - (cpuBefore[i] ?? NaN)) / 1e6 / elapsed) * 100)));
  return {
    elapsed,
    apiCpuPercent,
    apiEventLoopLagP99Ms: Object.fromEntries(apis.map((a, i) => [a.name, lags[i]])),
    benchClientCpuPercent: round(((self.user + self.system) / 1e6 / elapsed) * 100),
    idleLag,
  };
}

export async function runPhase(name: string, apis: ApiProcess[], users: BenchUser[], tokens: string[]): Promise<PhaseRun> {
  console.log(`\n[${name}] connecting ${users.length} clients to ${apis.length} instance(s)...`);
  const t0 = performance.now();
  const clients = await connectAll(
    apis.map((a) => a.url),
    users,
    tokens,
  );
  const connectSeconds = (performance.now() - t0) / 1000;
  const traffic = new Traffic(clients);
  console.log(`[${name}] connected in ${connectSeconds.toFixed(1)} s; warming up ${WARMUP_SECONDS} s`);

  await traffic.drive(WARMUP_SECONDS, false);
  await sleep(500);
  const window = await measureWindow(apis, traffic);

  for (const c of clients) c.socket.disconnect();
  await sleep(1_000);

  const { sent, acked, sendErrors, expectedDeliveries, delivered } = traffic;
  const { p50, p95, p99 } = summarize(traffic.ackTimes);
  const result: PhaseResult = {
    name,
    instances: apis.length,
    clients: clients.length,
    rooms: traffic.membersPerRoom.size,
    targetRate: RATE,
    seconds: SECONDS,
    sent,
    acked,
    sendErrors,
    expectedDeliveries,
    delivered,
    missing: expectedDeliveries - delivered,
    deliveredPerSecond: round(delivered / SECONDS),
    latencyMs: summarize(traffic.latencies),
    ackMs: { p50, p95, p99 },
    apiCpuPercent: window.apiCpuPercent,
    apiEventLoopLagP99Ms: window.apiEventLoopLagP99Ms,
    loadAverage1m: round(os.loadavg()[0]),
    idleProcessLagP99Ms: await window.idleLag,
    benchClientCpuPercent: window.benchClientCpuPercent,
    connectSeconds: round(connectSeconds),
  };
  console.log(`[${name}]`, JSON.stringify(result));
  return { result, latencies: traffic.latencies, ackTimes: traffic.ackTimes };
}
