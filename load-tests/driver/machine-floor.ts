// The machine's floor: what one HTTP request costs on THIS box before any application code.
//
// Two bare node:http servers answer a fixed 2.6 KB JSON body behind HAProxy (the stack's hop:
// keep-alive clients -> HAProxy -> instance, `http-reuse safe`, no logging), and `users`
// keep-alive clients send one request each 1-3 s, as the gate's virtual users do. The CPU the
// servers and HAProxy spend per answered request (/proc, utime + stime) is the floor. What a
// request costs the stack divided by this floor is comparable across machines, where the absolute
// figure is not: the same code measured 0.50-0.85 core at 1000 users on 2-core boxes whose
// system calls and wake-ups cost up to six times as much as each other's. Used by the release gate
// (measured before the stack starts, the box otherwise idle) and by `npm run bench:floor`.
// Loopback only, bounded by its durations; everything it starts, it stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpOk, waitFor } from '../../libs/stack/src/index.ts';
import { cpuTicksOf, machineTicks, TICK_US, wakeupsOf } from './process-cpu.ts';

export interface FloorPorts {
  lb: number;
  servers: [number, number];
}

export const DEFAULT_FLOOR_PORTS: FloorPorts = { lb: 4150, servers: [4151, 4152] };

/** One measured stretch: requests answered, and the CPU per request of the servers and of HAProxy. */
export interface FloorPhase {
  requests: number;
  seconds: number;
  serversUsPerRequest: number;
  lbUsPerRequest: number;
  /** Times the servers' and HAProxy's threads slept and were woken, per request (process-cpu.ts wakeupsOf). */
  wakeupsPerRequest: number;
  /** CPU of everything else on the box meanwhile (not the clients in this process), 100 = one core. */
  otherPct: number;
}

/** The floor as the gate reports it: the sparse phase plus what it was measured with. */
export interface MachineFloor extends FloorPhase {
  /** Servers + HAProxy: what a request that does nothing costs on this machine at the gate's pace. */
  usPerRequest: number;
  users: number;
}

const FLOOR_PATH = '/api/articles';

const SERVER = `
import http from 'node:http';
const item = (i) => ({ slug: 'article-' + i, title: 'A title of some length ' + i, description: 'x'.repeat(120), tagList: ['a', 'b'], favoritesCount: i, author: { username: 'author' + i, bio: null, image: null, following: false } });
const body = Buffer.from(JSON.stringify({ articles: Array.from({ length: 7 }, (_, i) => item(i)), articlesCount: 7 }));
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

function haproxyConfig(ports: FloorPorts): string {
  return `global
    maxconn 8192
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 15s
    timeout http-keep-alive 10s
frontend fe
    bind 127.0.0.1:${ports.lb}
    default_backend be
backend be
    balance roundrobin
    http-reuse safe
${ports.servers.map((p, i) => `    server s${i + 1} 127.0.0.1:${p} maxconn 32`).join('\n')}
`;
}

/** The two servers and HAProxy, running; stop() always ends all three. */
export interface FloorRig {
  url: string;
  serverPids: number[];
  lbPid: number;
  stop(): Promise<void>;
}

export async function startFloorRig(ports: FloorPorts = DEFAULT_FLOOR_PORTS): Promise<FloorRig> {
  const dir = mkdtempSync(join(tmpdir(), 'machine-floor-'));
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(ports));
  const children: ChildProcess[] = ports.servers.map((port) =>
    spawn(process.execPath, ['--input-type=module', '-e', SERVER], { env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  children.push(spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] }));
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of [...ports.servers, ports.lb]) {
      const url = `http://127.0.0.1:${port}${FLOOR_PATH}`;
      await waitFor(
        `the machine floor's ${url}`,
        async () => {
          const exited = children.find((c) => c.exitCode !== null || c.signalCode !== null);
          if (exited) throw new Error(`${exited.spawnfile} exited`);
          return httpOk(url)();
        },
        15_000,
        100,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${ports.lb}${FLOOR_PATH}`, serverPids: children.slice(0, 2).map((c) => c.pid!), lbPid: children[2].pid!, stop };
}

/**
 * `users` keep-alive clients from loopback addresses 127.0.0.2-250, 1-3 s between requests (the
 * gate's pace), measured for `seconds` after `warmupS`, in windows of `windowS` (default: one
 * window). The result is the cheapest window: on a 2-core box other work (PostgreSQL vacuuming
 * after an earlier run, say) makes the same requests cost the floor's processes up to 1.7x more
 * (measured: 215-231 µs on a quiet box, 360 µs right after a gate run), and it only ever adds.
 */
export async function measureSparse(rig: FloorRig, opts: { users: number; seconds: number; warmupS: number; windowS?: number }): Promise<FloorPhase> {
  let answered = 0;
  let running = true;
  const target = new URL(rig.url);
  const get = (agent: http.Agent, localAddress: string) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: target.hostname, port: Number(target.port), path: target.pathname, agent, localAddress, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) answered++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve());
    });
  const user = async (i: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const localAddress = `127.0.0.${2 + (i % 249)}`;
    await sleep(Math.random() * 2_000);
    while (running) {
      await get(agent, localAddress);
      await sleep(1_000 + Math.random() * 2_000);
    }
    agent.destroy();
  };
  const users = Array.from({ length: opts.users }, (_, i) => user(i));
  await sleep(opts.warmupS * 1_000);
  const windowS = Math.min(opts.windowS ?? opts.seconds, opts.seconds);
  const phases: FloorPhase[] = [];
  for (let elapsed = 0; elapsed + windowS <= opts.seconds + 1e-9; elapsed += windowS) {
    phases.push(
      await measurePhase(rig, async () => {
        const before = answered;
        await sleep(windowS * 1_000);
        return answered - before;
      }),
    );
  }
  running = false;
  await Promise.all(users);
  return cheapest(phases);
}

/** The window whose requests cost the floor's processes least (ties: the first). */
export function cheapest(phases: FloorPhase[]): FloorPhase {
  const cost = (p: FloorPhase) => (p.requests > 0 ? p.serversUsPerRequest + p.lbUsPerRequest : Infinity);
  return phases.reduce((best, p) => (cost(p) < cost(best) ? p : best));
}

/** CPU of the servers and of HAProxy around `run`, per request it reports answered. */
export async function measurePhase(rig: FloorRig, run: () => Promise<number>): Promise<FloorPhase> {
  const ticks = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuTicksOf(pid) ?? 0), 0);
  const rigPids = [...rig.serverPids, rig.lbPid];
  const wakeups = () => rigPids.reduce((sum, pid) => sum + (wakeupsOf(pid) ?? 0), 0);
  const [s0, l0, m0, c0, w0, t0] = [ticks(rig.serverPids), ticks([rig.lbPid]), machineTicks().busy, process.cpuUsage(), wakeups(), performance.now()];
  const requests = await run();
  const [s1, l1, m1, c1, w1, t1] = [ticks(rig.serverPids), ticks([rig.lbPid]), machineTicks().busy, process.cpuUsage(c0), wakeups(), performance.now()];
  const seconds = (t1 - t0) / 1000;
  const per = (ticksUsed: number) => (requests > 0 ? Math.round((ticksUsed * TICK_US) / requests) : 0);
  // The clients run in this process: their CPU is not "other work".
  const clientTicks = (c1.user + c1.system) / TICK_US;
  const otherTicks = Math.max(0, m1 - m0 - (s1 - s0) - (l1 - l0) - clientTicks);
  return {
    requests,
    seconds,
    serversUsPerRequest: per(s1 - s0),
    lbUsPerRequest: per(l1 - l0),
    wakeupsPerRequest: requests > 0 ? Math.round(((w1 - w0) / requests) * 10) / 10 : 0,
    otherPct: seconds > 0 ? Math.round((otherTicks * TICK_US) / (seconds * 1e4)) : 0,
  };
}

/** The release gate's floor: the rig, its sparse phase, and the rig stopped again. */
export async function measureMachineFloor(opts: { users: number; seconds: number; windowS?: number; warmupS?: number; ports?: FloorPorts }): Promise<MachineFloor> {
  const rig = await startFloorRig(opts.ports);
  try {
    const phase = await measureSparse(rig, { users: opts.users, seconds: opts.seconds, windowS: opts.windowS, warmupS: opts.warmupS ?? 5 });
    return { ...phase, usPerRequest: phase.serversUsPerRequest + phase.lbUsPerRequest, users: opts.users };
  } finally {
    await rig.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
