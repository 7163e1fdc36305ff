import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { API_NODE_FLAGS } from '@conduit/stack';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const API_PORT = 4130;

/** CPU time (user + system) a process has used, in microseconds (Linux /proc; null elsewhere). */
export async function cpuMicros(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** The p-quantile (0..1) of `values`, rounded to 0.01 (NaN when empty). */
export function percentile(values: number[], p: number): number {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** percentile() of values already sorted ascending. */
export function percentileOfSorted(sorted: number[], p: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return Math.round(v * 100) / 100;
}

async function busyJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] ?? 0);
  const total = line.reduce((s, n) => s + n, 0);
  return { busy: total - idle, total };
}

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/**
 * Runs `work` and returns the share of the box's CPU (0..1) used meanwhile by everything except
 * this process and the API children it started (other helpers' work, and PostgreSQL, which serves
 * both: read it as an upper bound of the noise).
 */
export async function otherCpuShare(work: () => Promise<void>): Promise<number> {
  const before = await busyJiffies();
  const ownBefore = process.cpuUsage();
  ownChildMicros = 0;
  await work();
  const after = await busyJiffies();
  const own = process.cpuUsage(ownBefore);
  const ownJiffies = ((own.user + own.system + ownChildMicros) / 1e6) * CLOCK_TICKS;
  return Math.max(0, (after.busy - before.busy - ownJiffies) / Math.max(1, after.total - before.total));
}
let ownChildMicros = 0;

/** Polls `url` until it answers 2xx (1 s per attempt), or throws after `timeoutMs`. */
export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A Node child of the benchmark (stdout dropped, stderr shown), killed if the benchmark exits first. */
export function startNode(root: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The built API (apps/api/dist/main.js, with the V8 flags npm start gives it) on loopback, rate limits and admission control out of the way. */
export async function startApi(root: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = startNode(root, [...API_NODE_FLAGS, '--enable-source-maps', 'apps/api/dist/main.js'], {
    NODE_ENV: 'production',
    PORT: String(API_PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `growth${Date.now().toString(36)}:`,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    RATE_LIMIT_MAX: '10000000',
    RATE_LIMIT_LOGIN_MAX: '1000',
    // Admission control is not what the benchmarks measure (and this box is shared): keep it out of the way.
    LOAD_SHED_MAX_IN_FLIGHT: '10000',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '10000',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...env,
  });
  const base = `http://127.0.0.1:${env.PORT ?? API_PORT}`;
  await waitFor(`${base}/health/live`);
  return { child, base };
}

export async function stop(child: ChildProcess): Promise<void> {
  ownChildMicros += (await cpuMicros(child.pid)) ?? 0;
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export const machine = () => `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`;
