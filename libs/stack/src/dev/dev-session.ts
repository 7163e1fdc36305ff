import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_NODE_FLAGS } from '../api-node-flags.js';
import { isListening } from '../ports.js';
import { waitFor } from '../wait-for.js';
import { DevProcess } from './dev-process.js';
import { prefixFor } from './log-format.js';
import { SourceWatcher, type SourceChange, type WatchedWorkspace } from './source-watcher.js';

const exec = promisify(execFile);

export interface DevOptions {
  root: string;
  /** .env.example with the caller's environment on top. */
  env: NodeJS.ProcessEnv;
  ports: { api: number; worker: number; web: number };
  /** Start PostgreSQL, Redis and the queue Redis when they do not answer (scripts/*.sh). */
  services: boolean;
  worker: boolean;
  web: boolean;
  /** Seed scale (0: none); the seed skips a database that is already seeded. */
  seedScale: number;
  color: boolean;
  log: (line: string) => void;
}

export interface DevSession {
  urls: { api: string; worker?: string; web?: string };
  processes: DevProcess[];
  stop(): Promise<void>;
}

/**
 * `npm run dev`: data services, one build, migrations, then the API and the worker from dist/ with
 * a watcher that recompiles each saved file with SWC and restarts the apps it belongs to, and the
 * web app on Vite's dev server (its own hot reload; /api and /socket.io proxied to the API).
 */
export async function startDev(options: DevOptions): Promise<DevSession> {
  if (options.services) await startServices(options);
  await buildOnce(options);
  await prepareDatabase(options);
  const processes = startApps(options);
  const watcher = new SourceWatcher(options.root, watchedWorkspaces(options.root), (change) => void reload(change, processes, options.log));
  await watcher.start();
  const { api, worker, web } = options.ports;
  await untilListening([api, ...(options.worker ? [worker] : []), ...(options.web ? [web] : [])], options.log);
  return {
    urls: { api: `http://127.0.0.1:${api}`, worker: options.worker ? `http://127.0.0.1:${worker}` : undefined, web: options.web ? `http://127.0.0.1:${web}` : undefined },
    processes,
    async stop() {
      watcher.close();
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}

/** The banner is printed once the apps accept connections (or after 60 s: their output says why not). */
async function untilListening(ports: number[], log: (line: string) => void): Promise<void> {
  try {
    await waitFor('the apps to listen', async () => (await Promise.all(ports.map((port) => isListening(port)))).every(Boolean), 60_000, 200);
  } catch (error) {
    log((error as Error).message);
  }
}

async function run(options: DevOptions, command: string, args: string[], env: NodeJS.ProcessEnv = options.env): Promise<string> {
  const { stdout } = await exec(command, args, { cwd: options.root, env, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function startServices(options: DevOptions): Promise<void> {
  options.log(await run(options, 'bash', ['scripts/ensure-services.sh']));
  const queue = new URL(options.env.QUEUE_REDIS_URL ?? 'redis://127.0.0.1:6380');
  if (options.worker && ['127.0.0.1', 'localhost'].includes(queue.hostname)) {
    options.log(await run(options, 'bash', ['scripts/start-queue-redis.sh'], { ...options.env, QUEUE_REDIS_PORT: queue.port || '6379' }));
  }
}

async function buildOnce(options: DevOptions): Promise<void> {
  if (!existsSync(join(options.root, 'libs/db/src/generated'))) {
    options.log('generating the Prisma client');
    await run(options, process.execPath, [join(options.root, 'node_modules/prisma/build/index.js'), 'generate'], { ...options.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath });
  }
  options.log('building with SWC');
  await run(options, process.execPath, ['scripts/build.mjs']);
}

async function prepareDatabase(options: DevOptions): Promise<void> {
  options.log(await run(options, process.execPath, ['libs/db/dist/migrate.cli.js']));
  if (options.seedScale > 0) {
    const out = await run(options, process.execPath, ['libs/db/dist/seed.cli.js', `--scale=${options.seedScale}`]);
    options.log(out.split('\n').slice(-1)[0] ?? '');
  }
}

/** The apps' environment in dev: no drain delay and short shutdown deadlines, so a restart takes about a second. */
function appEnv(options: DevOptions): NodeJS.ProcessEnv {
  const { ports, env } = options;
  const webOrigins = [`http://127.0.0.1:${ports.web}`, `http://localhost:${ports.web}`];
  return {
    ...env,
    PORT: String(ports.api),
    WORKER_PORT: String(ports.worker),
    // The /ops page reads the API and the worker.
    OPS_METRICS_TARGETS: [`api=http://127.0.0.1:${ports.api}`, ...(options.worker ? [`worker=http://127.0.0.1:${ports.worker}`] : [])].join(','),
    CORS_ORIGINS: [env.CORS_ORIGINS, ...webOrigins].filter(Boolean).join(','),
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    WORKER_SHUTDOWN_TIMEOUT_MS: '2000',
  };
}

function startApps(options: DevOptions): DevProcess[] {
  const env = appEnv(options);
  const node = (name: string, main: string, flags: readonly string[] = []) => ({ name, command: process.execPath, args: [...flags, '--enable-source-maps', main], cwd: options.root, env });
  const specs = [node('api', 'apps/api/dist/main.js', API_NODE_FLAGS)];
  if (options.worker) specs.push(node('worker', 'apps/worker/dist/main.js'));
  if (options.web) {
    const vite = join(options.root, 'node_modules/vite/bin/vite.js');
    specs.push({
      name: 'web',
      command: process.execPath,
      args: [vite, '--port', String(options.ports.web), '--strictPort'],
      cwd: join(options.root, 'apps/web'),
      env: { ...env, CONDUIT_API_TARGET: `http://127.0.0.1:${options.ports.api}` },
    });
  }
  const width = Math.max(...specs.map((s) => s.name.length), 'dev'.length);
  return specs.map((spec, i) => {
    const prefix = prefixFor(spec.name, i, width, options.color);
    const process = new DevProcess({ ...spec, stopTimeoutMs: 3_000, write: (line) => options.log(prefix + line) });
    process.start();
    return process;
  });
}

/** API and worker restart on their own sources; both on a shared library (the stack and test helpers are not theirs). */
function watchedWorkspaces(root: string): WatchedWorkspace[] {
  const libs = readdirSync(join(root, 'libs')).filter((name) => !['stack', 'testing'].includes(name) && existsSync(join(root, 'libs', name, 'src')));
  return [
    { dir: join(root, 'apps/api'), restarts: ['api'] },
    { dir: join(root, 'apps/worker'), restarts: ['worker'] },
    ...libs.map((name) => ({ dir: join(root, 'libs', name), restarts: ['api', 'worker'] })),
  ];
}

async function reload(change: SourceChange, processes: DevProcess[], log: (line: string) => void): Promise<void> {
  if (change.errors.length) {
    log(`compile failed, apps left as they were:\n  ${change.errors.join('\n  ')}`);
    return;
  }
  const targets = processes.filter((p) => change.restarts.includes(p.name));
  if (!targets.length) return;
  log(`${change.files.join(', ')} changed: restarting ${targets.map((p) => p.name).join(', ')}`);
  await Promise.all(targets.map((p) => p.restart()));
}
