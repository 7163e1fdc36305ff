import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const register = fileURLToPath(new URL('./register-swc.mjs', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Health/metrics base URL (random port). */
  url: string;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, any>>;
  /** Raw stderr text. */
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a log line matches. */
  waitForLog(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** One sample of a Prometheus metric (0 if absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Test settings for a worker: fast stall detection and retries, its own DB, Redis, SMTP, storage. */
export function workerEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    WORKER_PORT: '0',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '500',
    WORKER_SHUTDOWN_TIMEOUT_MS: '15000',
    OUTBOX_POLL_INTERVAL_MS: '100',
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '200',
    SMTP_CONNECTION_TIMEOUT_MS: '3000',
    SMTP_GREETING_TIMEOUT_MS: '3000',
    SMTP_SOCKET_TIMEOUT_MS: '10000',
    WORKER_DB_POOL_MAX: '3',
    ...overrides,
  };
}

/**
 * Starts apps/worker/src/main.ts as a real child process (TypeScript through SWC, no build
 * step) and waits for "worker ready". Always kill() it in afterAll/finally.
 */
export async function startWorkerProcess(env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--conditions=@conduit/source', '--import', register, 'apps/worker/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onParentExit = () => child.kill('SIGKILL');
  process.once('exit', onParentExit);
  const logs: Array<Record<string, any>> = [];
  const waiters: Array<{ match: (l: Record<string, any>) => boolean; resolve: (l: Record<string, any>) => void }> = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: Record<string, any>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', onParentExit);
      resolve({ code, signal });
    }),
  );

  const waitForLog = (match: (l: Record<string, any>) => boolean, timeoutMs = 30_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${child.pid}: log line not seen in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then(() => {
        // Let buffered output drain before giving up.
        setTimeout(() => {
          clearTimeout(timer);
          reject(new Error(`worker ${child.pid} exited before the log line; stderr: ${stderr.slice(-2000)}`));
        }, 200);
      });
    });
  };

  let url = '';
  if (options.waitReady !== false) {
    const ready = await waitForLog((l) => l.msg === 'worker ready', 60_000);
    url = `http://127.0.0.1:${ready.port}`;
  }

  return {
    child,
    pid: child.pid!,
    url,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      return sumMetric(text, name, labels);
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(m[3]);
  }
  return total;
}

/** Polls `check` until it returns a truthy value (correctness wait, generous timeout). */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
