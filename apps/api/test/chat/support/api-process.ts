import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./swc-register.mjs', import.meta.url));

export interface ApiProcess {
  name: string;
  url: string;
  proc: ChildProcess;
  /** Last output lines (for failure messages). */
  output: string[];
  /** Resolves with the exit code (null when killed by a signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  get alive(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * A real API process (apps/api/src/main.ts: graceful shutdown, unhandled-rejection handler and
 * all) on a fixed port, run from sources through SWC. Resolves once /health/live answers.
 */
export async function startApiProcess(name: string, port: number, env: Record<string, string>): Promise<ApiProcess> {
  const proc = spawn(process.execPath, ['--conditions=@conduit/source', '--import', REGISTER, 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      INSTANCE_ID: name,
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      DB_POOL_MAX: '5',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );
  const api: ApiProcess = {
    name,
    url: `http://127.0.0.1:${port}`,
    proc,
    output,
    exited,
    get alive() {
      return !ended;
    },
    kill(signal = 'SIGKILL') {
      if (!ended) proc.kill(signal);
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (ended) throw new Error(`${name} exited during startup:\n${output.slice(-30).join('\n')}`);
    try {
      const res = await fetch(`${api.url}/health/live`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return api;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      api.kill();
      throw new Error(`${name} did not start within 90 s:\n${output.slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGKILLs whatever is still running and waits for it to be gone. */
export async function stopAll(processes: (ApiProcess | undefined)[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (!p) return;
      p.kill('SIGKILL');
      await p.exited;
    }),
  );
}
