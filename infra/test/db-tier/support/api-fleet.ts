import { ManagedProcess, readEnvFile } from '@conduit/stack';
import { freePort } from '@conduit/testing';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const API_MAIN = join(REPO_ROOT, 'apps/api/dist/main.js');

export interface ApiFleet {
  urls: string[];
  /** Instances whose /health/ready answered 200 within the wait. */
  ready: number;
  /** The last log lines of the instances that never became ready (for an assertion's message). */
  notReadyLogs(): string;
  /** Every instance's whole log. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * N API processes (apps/api/dist, built by `npm run build`) on random ports, without a load
 * balancer: a test sends each one its share of traffic. Everything else comes from .env.example
 * and `env`. Unsupervised: a crash stays a crash.
 */
export async function startApiFleet(count: number, env: Record<string, string>, readyTimeoutMs = 60_000): Promise<ApiFleet> {
  if (!existsSync(API_MAIN)) throw new Error('apps/api/dist/main.js is missing: run `npm run build` first');
  const logs = mkdtempSync(join(tmpdir(), 'conduit-fleet-'));
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...readEnvFile(join(REPO_ROOT, '.env.example')), ...env };
  const members: Array<{ url: string; process: ManagedProcess }> = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const proc = new ManagedProcess({
      name: `api-${i}`,
      command: process.execPath,
      args: ['--enable-source-maps', API_MAIN],
      env: { ...base, PORT: String(port), INSTANCE_ID: `api-${i}` },
      cwd: REPO_ROOT,
      logFile: join(logs, `api-${i}.log`),
      supervise: false,
      log: () => {},
    });
    proc.start();
    members.push({ url: `http://127.0.0.1:${port}`, process: proc });
  }
  const readiness = await Promise.all(members.map((m) => becomesReady(m.url, readyTimeoutMs)));
  return {
    urls: members.map((m) => m.url),
    ready: readiness.filter(Boolean).length,
    notReadyLogs: () =>
      members
        .filter((_, i) => !readiness[i])
        .map((m) => `${m.process.name}: ${tail(m.process.options.logFile)}`)
        .join('\n'),
    logs: () => members.map((m) => tail(m.process.options.logFile, Infinity)).join('\n'),
    async stop() {
      await Promise.all(members.map((m) => m.process.stop('SIGTERM', 15_000)));
      rmSync(logs, { recursive: true, force: true });
    },
  };
}

/** Polls /health/ready (1 s per probe) until 200 or the deadline; false when never ready. */
async function becomesReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function tail(file: string, lines = 3): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
