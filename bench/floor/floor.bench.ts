/**
 * Benchmark: what one HTTP request costs on this machine before any application code, at the
 * release gate's arrival pattern and at saturation, in the same run.
 *
 *   npm run bench:floor
 *
 * Two bare node:http servers answer a fixed 2.6 KB JSON body behind HAProxy (same hop as the
 * stack: keep-alive clients -> HAProxy -> instance, `http-reuse safe`, 32 connections per server,
 * no logging). Then:
 *  1. sparse: FLOOR_USERS (1000) keep-alive clients, each waiting 1-3 s between requests, as the
 *     gate's virtual users do (~500 req/s in all), for FLOOR_SECONDS (30) after a 5 s warm-up;
 *  2. dense: autocannon, 50 connections, 8 s (the same servers, as fast as they go).
 * It prints the CPU per request of the servers and of HAProxy (from /proc) in both, the ratio,
 * and, if bench/results/cost-per-request.json exists, the stack's own per-request figures beside
 * them (mixed journey, chat included), so the floor and the app's cost can be read together.
 * Writes bench/results/floor.{json,md}. Loopback only, bounded by its durations; children are
 * always stopped.
 */
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuMicros, machine, startNode, stop, waitFor } from '../support/bench-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const USERS = Math.min(Math.max(Number(process.env.FLOOR_USERS ?? 1000), 10), 3000);
const SECONDS = Math.min(Math.max(Number(process.env.FLOOR_SECONDS ?? 30), 5), 120);
const LB_PORT = 4150;
const SERVER_PORTS = [4151, 4152];

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

function haproxyConfig(): string {
  return `global
    maxconn 8192
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 15s
    timeout http-keep-alive 10s
frontend fe
    bind 127.0.0.1:${LB_PORT}
    default_backend be
backend be
    balance roundrobin
    http-reuse safe
${SERVER_PORTS.map((p, i) => `    server s${i + 1} 127.0.0.1:${p} maxconn 32`).join('\n')}
`;
}

interface Phase {
  name: string;
  requests: number;
  seconds: number;
  serverUsPerRequest: number;
  lbUsPerRequest: number;
}

interface Pids {
  servers: number[];
  lb: number;
}

const cpuOf = async (pids: number[]) => (await Promise.all(pids.map((p) => cpuMicros(p)))).reduce<number>((s, v) => s + (v ?? 0), 0);

/** CPU (µs) of the servers and HAProxy between two readings, per request answered meanwhile. */
async function window(name: string, pids: Pids, run: () => Promise<number>): Promise<Phase> {
  const [s0, l0, t0] = [await cpuOf(pids.servers), await cpuOf([pids.lb]), performance.now()];
  const requests = await run();
  const [s1, l1, t1] = [await cpuOf(pids.servers), await cpuOf([pids.lb]), performance.now()];
  const phase = { name, requests, seconds: (t1 - t0) / 1000, serverUsPerRequest: Math.round((s1 - s0) / requests), lbUsPerRequest: Math.round((l1 - l0) / requests) };
  console.log(
    `  ${name.padEnd(7)} ${requests} requests in ${phase.seconds.toFixed(0)} s (${Math.round(requests / phase.seconds)} req/s): servers ${phase.serverUsPerRequest} µs/request, HAProxy ${phase.lbUsPerRequest} µs/request`,
  );
  return phase;
}

/** USERS keep-alive clients from loopback addresses 127.0.0.2-250, 1-3 s between requests; measured after a 5 s warm-up. */
async function sparse(pids: Pids): Promise<Phase> {
  let answered = 0;
  let running = true;
  const get = (agent: http.Agent, localAddress: string) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: LB_PORT, path: '/api/articles', agent, localAddress, timeout: 5_000 }, (res) => {
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
  const users = Array.from({ length: USERS }, (_, i) => user(i));
  await sleep(5_000);
  const phase = await window('sparse', pids, async () => {
    const before = answered;
    await sleep(SECONDS * 1_000);
    return answered - before;
  });
  running = false;
  await Promise.all(users);
  return phase;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' }).status !== 0) throw new Error('haproxy not found (bash scripts/install-system-deps.sh)');
  const runDir = `${root}var/bench-floor`;
  mkdirSync(runDir, { recursive: true });
  writeFileSync(`${runDir}/haproxy.cfg`, haproxyConfig());
  const servers = SERVER_PORTS.map((port) => startNode(root, ['--input-type=module', '-e', SERVER], { PORT: String(port) }));
  const lb = spawn('haproxy', ['-db', '-f', `${runDir}/haproxy.cfg`], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.on('exit', () => lb.kill('SIGKILL'));
  try {
    for (const port of [...SERVER_PORTS, LB_PORT]) await waitFor(`http://127.0.0.1:${port}/api/articles`);
    const pids = { servers: servers.map((s) => s.pid!), lb: lb.pid! };
    console.log(
      `floor: 2 bare node:http servers behind HAProxy, ${machine()}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const sparsePhase = await sparse(pids);
    const densePhase = await window('dense', pids, async () => (await autocannon({ url: `http://127.0.0.1:${LB_PORT}/api/articles`, connections: 50, duration: 8 })).requests.total);
    report(sparsePhase, densePhase);
  } finally {
    await Promise.all([...servers, lb].map((c) => stop(c)));
  }
}

function report(sparsePhase: Phase, densePhase: Phase): void {
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10) / 10 : null);
  const stack = existsSync(`${root}bench/results/cost-per-request.json`) ? JSON.parse(readFileSync(`${root}bench/results/cost-per-request.json`, 'utf8')) : null;
  const mixed = stack?.mixed as { rps: number; cpuPct: Record<string, number> } | undefined;
  const stackApiUs = mixed ? Math.round((mixed.cpuPct.api * 1e4) / mixed.rps) : null;
  const stackLbUs = mixed ? Math.round((mixed.cpuPct.lb * 1e4) / mixed.rps) : null;
  const rows = [
    ['servers (2 instances), µs per request', sparsePhase.serverUsPerRequest, densePhase.serverUsPerRequest, ratio(sparsePhase.serverUsPerRequest, densePhase.serverUsPerRequest), stackApiUs],
    ['HAProxy, µs per request', sparsePhase.lbUsPerRequest, densePhase.lbUsPerRequest, ratio(sparsePhase.lbUsPerRequest, densePhase.lbUsPerRequest), stackLbUs],
  ];
  const lines = [
    `# Floor: one HTTP request through HAProxy to a bare node:http server (${new Date().toISOString()})`,
    '',
    `Generated by \`npm run bench:floor\` (bench/floor/floor.bench.ts); do not edit by hand. Machine: ${machine()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    `Sparse: ${USERS} keep-alive clients, 1-3 s between requests (the release gate's pattern), ${SECONDS} s: ${Math.round(sparsePhase.requests / SECONDS)} req/s. Dense: autocannon, 50 connections, 8 s: ${Math.round(densePhase.requests / densePhase.seconds)} req/s.`,
    `The stack column is the mixed journey of bench/results/cost-per-request.json (${mixed ? `${Math.round(mixed.rps)} req/s, 1000 users` : 'not measured'}; API CPU includes chat).`,
    '',
    '| | sparse (gate pattern) | dense (saturated) | sparse / dense | the stack, mixed journey |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.map((v) => (v === null ? '-' : String(v))).join(' | ')} |`),
    '',
    `At the gate's pattern every request wakes each process on its path from idle, so a request that does nothing costs ${ratio(sparsePhase.serverUsPerRequest, densePhase.serverUsPerRequest)}x (servers) and ${ratio(sparsePhase.lbUsPerRequest, densePhase.lbUsPerRequest)}x (HAProxy) what it costs when the same processes are saturated.`,
  ];
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/floor.md`, `${lines.join('\n')}\n`);
  writeFileSync(
    `${root}bench/results/floor.json`,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: machine(), users: USERS, seconds: SECONDS, sparse: sparsePhase, dense: densePhase, stack: { apiUsPerRequest: stackApiUs, lbUsPerRequest: stackLbUs } }, null, 2)}\n`,
  );
  console.log(lines.slice(6).join('\n'));
  console.log('wrote bench/results/floor.md and bench/results/floor.json');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
