import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const BUILT_MAIN = join(root, 'apps/api/dist/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the API (`node scripts/build.mjs`, SWC, ~1 s) when apps/api/dist is missing or older
 * than the sources, so the test always runs the code under test. `npm test` builds first, so
 * in CI this is a no-op.
 */
export function ensureBuilt(): void {
  // Test files run in parallel workers: one builds, the others wait for it (mkdir is atomic).
  const lock = join(root, 'var', 'build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && (Date.now() > deadline || Date.now() - held.mtimeMs > 180_000)) {
        rmSync(lock, { recursive: true, force: true }); // left by a killed run
      } else {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      }
    }
  }
  try {
    buildIfStale();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildIfStale(): void {
  if (!existsSync(join(root, 'libs/db/src/generated/client.ts'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore', timeout: 120_000 });
    return;
  }
  const sources = ['apps/api/src', ...readdirSync(join(root, 'libs')).map((lib) => `libs/${lib}/src`)].map((dir) => join(root, dir)).filter((dir) => existsSync(dir));
  const newestSource = Math.max(...sources.map(newestMtime));
  if (!existsSync(BUILT_MAIN) || statSync(BUILT_MAIN).mtimeMs < newestSource) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore', timeout: 120_000 });
  }
}

export interface BuiltServer {
  child: ChildProcess;
  /** JSON log lines (stdout) and raw stderr lines, as they arrive. */
  logs: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL if still running (test cleanup). */
  kill(): void;
}

/** Starts `node apps/api/dist/main.js` with `env` on top of the test process's PATH etc. */
export function startBuiltServer(env: Record<string, string>): BuiltServer {
  const child = spawn(process.execPath, [BUILT_MAIN], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      into.push(...lines.filter(Boolean));
      for (const wake of waiters.splice(0)) wake();
    };
  };
  child.stdout!.on('data', collect(logs));
  child.stderr!.on('data', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    });
  });
  return {
    child,
    logs,
    stderr,
    exited,
    async waitForLog(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = logs.find((line) => pattern.test(line));
        if (hit) return hit;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before logging ${pattern}:\n${[...logs, ...stderr].slice(-20).join('\n')}`);
        if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
