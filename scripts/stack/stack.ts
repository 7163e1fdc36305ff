import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectionBudget, type ConnectionBudget } from './connection-budget.js';
import { readEnvFile } from './env-file.js';
import { fetchLbStatus, runtimeCommand, type LbServerStatus } from './haproxy-stats.js';
import { ManagedProcess } from './managed-process.js';
import { MAX_INSTANCES, fixedPorts, randomPorts, type StackPorts } from './ports.js';
import { preparePrometheus } from './prometheus-config.js';
import { redisAnswers, redisPolicy } from './redis-probe.js';
import { cleanupStalePids } from './stale-pids.js';
import { startStaticServer } from './static-server.js';
import { httpOk, waitFor } from './wait-for.js';

export type { ConnectionBudget } from './connection-budget.js';
export { waitFor } from './wait-for.js';

const exec = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const path = (...parts: string[]) => join(REPO_ROOT, ...parts);

export const HAPROXY_CONFIG = path('infra/haproxy/haproxy.cfg');
export const PROMETHEUS_DIR = path('infra/prometheus');
const API_MAIN = path('apps/api/dist/main.js');
const WORKER_MAIN = path('apps/worker/dist/main.js');
const MIGRATE_CLI = path('libs/db/dist/migrate.cli.js');
const SEED_CLI = path('libs/db/dist/seed.cli.js');
const WEB_DIST = path('apps/web/dist');

export interface StackOptions {
  /** API instances behind the load balancer (1-8). Default 2. */
  instances?: number;
  /** 'auto' picks free ports (tests); a number is a port offset 0-4 (see fixedPorts); or explicit ports. */
  ports?: 'auto' | number | StackPorts;
  /** Default: DATABASE_URL from the environment (inheritEnv) or .env.example. */
  databaseUrl?: string;
  /** Reuse running Redis servers instead of starting the two roles. */
  cacheRedisUrl?: string;
  queueRedisUrl?: string;
  migrate?: boolean;
  /** Run the seed (idempotent) after migrating; number = --scale. Default false. */
  seed?: boolean | number;
  /** Start the worker when apps/worker/dist exists. Default true. */
  worker?: boolean;
  /** Start Prometheus (Debian package) with infra/prometheus. Default true when installed. */
  prometheus?: boolean;
  /** Serve apps/web/dist behind the LB when built. Default true. */
  web?: boolean;
  /** Extra variables for API instances and the worker (e.g. LOG_LEVEL, SHUTDOWN_DRAIN_DELAY_MS). */
  env?: Record<string, string>;
  /** Let config variables from process.env override .env.example (the CLI does; tests don't). */
  inheritEnv?: boolean;
  /** Logs, pid file, Redis/Prometheus data. Default var/stack-<lb port> (a temp dir for 'auto'). */
  runDir?: string;
  /** Restart crashed API instances / worker. Default true. */
  supervise?: boolean;
  log?: (line: string) => void;
}

export interface InstanceHandle {
  /** 1-based; also INSTANCE_ID "api-<n>" and the HAProxy server name. */
  index: number;
  id: string;
  port: number;
  url: string;
  process: ManagedProcess;
}

export interface StackUrls {
  lb: string;
  lbStats: string;
  instances: string[];
  worker?: string;
  web?: string;
  prometheus?: string;
  cacheRedis: string;
  queueRedis: string;
}

export interface Stack {
  urls: StackUrls;
  ports: StackPorts;
  runDir: string;
  instances: InstanceHandle[];
  /** Connection budget actually applied (printed by the CLI). */
  budget: ConnectionBudget;
  /** Every child process the stack started (Redis roles, API instances, worker, HAProxy, Prometheus). */
  processes: ManagedProcess[];
  /** HAProxy's view of every server (backend api and socketio). */
  lbStatus(): Promise<LbServerStatus[]>;
  /** Sends a command to HAProxy's runtime API, e.g. `set server api/api-1 state drain`; returns its answer. */
  lbCommand(command: string): Promise<string>;
  /** Waits until HAProxy reports server api-<n> (backend api) as `state`. */
  waitForLbState(index: number, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** Intentional kill (no supervisor restart). SIGKILL by default = a crash. */
  killInstance(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped instance and waits until HAProxy routes to it again. */
  startInstance(index: number): Promise<void>;
  /** Graceful restart: SIGTERM (the app drains), wait for exit, start, wait until UP in HAProxy. */
  restartInstance(index: number): Promise<void>;
  stop(): Promise<void>;
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const instances = options.instances ?? 2;
  if (!Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES) throw new Error(`instances must be 1..${MAX_INSTANCES}`);
  const log = options.log ?? ((line: string) => console.log(line));
  const ports =
    options.ports === 'auto' ? await randomPorts(instances) : typeof options.ports === 'object' ? options.ports : fixedPorts(instances, options.ports ?? 0);
  if (ports.api.length < instances) throw new Error(`need ${instances} API ports, got ${ports.api.length}`);
  const temporaryRunDir = !options.runDir && options.ports === 'auto';
  const runDir = options.runDir ?? (temporaryRunDir ? mkdtempSync(join(tmpdir(), 'conduit-stack-')) : path('var', `stack-${ports.lb}`));
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const pidFile = join(runDir, 'pids.json');
  cleanupStalePids(pidFile, log);

  const fileEnv = readEnvFile(path('.env.example'));
  if (options.inheritEnv) for (const key of Object.keys(fileEnv)) if (process.env[key]) fileEnv[key] = process.env[key]!;
  const systemEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: process.env.LANG ?? 'C.UTF-8' };
  const databaseUrl = options.databaseUrl ?? fileEnv.DATABASE_URL;
  const processes: ManagedProcess[] = [];
  let staticServer: Server | undefined;
  const spawnManaged = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv, supervise: boolean) => {
    const proc = new ManagedProcess({ name, command, args, env, cwd: REPO_ROOT, logFile: join(runDir, 'logs', `${name}.log`), supervise, log });
    processes.push(proc);
    return proc;
  };
  const writePids = () =>
    writeFileSync(pidFile, JSON.stringify(processes.filter((p) => p.pid).map((p) => ({ pid: p.pid, cmd: p.commandLine }))));
  const killAll = () => processes.forEach((p) => p.killNow());
  process.on('exit', killAll);

  let stopped: Promise<void> | undefined;
  const stopAll = () => (stopped ??= stopEverything());
  const stopEverything = async () => {
    process.off('exit', killAll);
    // LB first (no new traffic), then the apps (they drain), then what they depend on.
    const order = ['haproxy', 'prometheus', 'api', 'worker', 'redis'];
    for (const prefix of order) {
      await Promise.all(processes.filter((p) => p.name.startsWith(prefix)).map((p) => p.stop('SIGTERM', 15_000)));
    }
    await new Promise<void>((resolve) => (staticServer ? staticServer.close(() => resolve()) : resolve()));
    processes.forEach((p) => p.closeLog());
    rmSync(pidFile, { force: true });
    if (temporaryRunDir) rmSync(runDir, { recursive: true, force: true });
  };

  try {
    for (const tool of ['haproxy', 'redis-server']) {
      if (!commandExists(tool)) throw new Error(`${tool} is not installed: run scripts/install-system-deps.sh (Debian packages)`);
    }
    if (!existsSync(API_MAIN) || !existsSync(MIGRATE_CLI)) {
      log('building (apps/api/dist missing): npm run build');
      await exec('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
    }

    // --- two Redis roles (pattern: separate cache and queue Redis) ---
    const startRedis = async (role: 'cache' | 'queue', port: number, given?: string) => {
      const url = given ?? `redis://127.0.0.1:${port}`;
      if (given || (await redisAnswers(url))) {
        const policy = await redisPolicy(url);
        const wanted = role === 'queue' ? 'noeviction' : 'allkeys-lru';
        log(`redis-${role}: using the server already running at ${url}${policy && policy !== wanted ? ` (WARNING: maxmemory-policy ${policy}, expected ${wanted})` : ''}`);
        return url;
      }
      const dir = join(runDir, `redis-${role}`);
      mkdirSync(dir, { recursive: true });
      const conf = path('infra/redis', `${role}.conf`);
      const roleArgs = existsSync(conf)
        ? [conf]
        : role === 'queue'
          ? ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfsync', 'everysec']
          : ['--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no'];
      const proc = spawnManaged(`redis-${role}`, 'redis-server', [...roleArgs, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--logfile', ''], systemEnv, true);
      proc.start();
      await waitFor(`redis-${role} on ${port}`, () => redisAnswers(url), 10_000);
      return url;
    };
    const cacheRedis = await startRedis('cache', ports.cacheRedis, options.cacheRedisUrl);
    const queueRedis = await startRedis('queue', ports.queueRedis, options.queueRedisUrl);

    // --- database: migrate (idempotent), seed (idempotent, optional) ---
    if (options.migrate !== false) {
      log(`migrating ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
      await exec(process.execPath, [MIGRATE_CLI], { cwd: REPO_ROOT, env: { ...systemEnv, DATABASE_URL: databaseUrl } });
    }
    if (options.seed && existsSync(SEED_CLI)) {
      const scale = typeof options.seed === 'number' ? options.seed : 1;
      log(`seeding (scale ${scale}; skipped when already seeded)`);
      const { stdout } = await exec(process.execPath, [SEED_CLI, `--scale=${scale}`], { cwd: REPO_ROOT, env: { ...systemEnv, DATABASE_URL: databaseUrl }, maxBuffer: 16 * 1024 * 1024 });
      log(stdout.trim().split('\n').slice(-2).join('\n'));
    }

    const withWorker = options.worker !== false && existsSync(WORKER_MAIN);
    const workerPool = withWorker ? Number(fileEnv.WORKER_DB_POOL_MAX ?? 5) : 0;
    const budget = await connectionBudget(databaseUrl, instances, Number(options.env?.DB_POOL_MAX ?? fileEnv.DB_POOL_MAX ?? 20), workerPool);

    // --- API instances ---
    const appEnv = {
      ...systemEnv,
      ...fileEnv,
      DATABASE_URL: databaseUrl,
      REDIS_URL: cacheRedis,
      QUEUE_REDIS_URL: queueRedis,
      DB_POOL_MAX: String(budget.perInstance),
      // Only HAProxy (on loopback) may set X-Forwarded-For.
      TRUSTED_PROXIES: '127.0.0.1',
      // Browsers reach the app through the LB: allow its origin for CORS and the chat handshake.
      CORS_ORIGINS: [fileEnv.CORS_ORIGINS, `http://127.0.0.1:${ports.lb}`, `http://localhost:${ports.lb}`].filter(Boolean).join(','),
      HOST: '127.0.0.1',
      ...options.env,
    };
    const instanceHandles: InstanceHandle[] = ports.api.slice(0, instances).map((port, i) => {
      const id = `api-${i + 1}`;
      const env = { ...appEnv, PORT: String(port), INSTANCE_ID: id };
      const proc = spawnManaged(id, process.execPath, ['--enable-source-maps', API_MAIN], env, options.supervise !== false);
      return { index: i + 1, id, port, url: `http://127.0.0.1:${port}`, process: proc };
    });
    const waitReady = (h: InstanceHandle) =>
      waitFor(`${h.id} ready (log: ${h.process.options.logFile})`, async () => {
        if (!h.process.running && h.process.lastExit) throw new Error(`${h.id} exited with code ${h.process.lastExit.code}`);
        return httpOk(`${h.url}/health/ready`)();
      }, 60_000);
    instanceHandles.forEach((h) => h.process.start());
    await Promise.all(instanceHandles.map(waitReady));

    // --- worker (when apps/worker has been built) ---
    let workerUrl: string | undefined;
    if (withWorker) {
      const env = { ...appEnv, WORKER_INSTANCE_ID: 'worker-1', WORKER_HOST: '127.0.0.1', WORKER_PORT: String(ports.worker), WORKER_DB_POOL_MAX: String(workerPool) };
      const proc = spawnManaged('worker', process.execPath, ['--enable-source-maps', WORKER_MAIN], env, options.supervise !== false);
      proc.start();
      workerUrl = `http://127.0.0.1:${ports.worker}`;
      await waitFor('worker ready', httpOk(`${workerUrl}/health/ready`), 60_000);
    }

    // --- web front end (when apps/web has been built) ---
    let webUrl: string | undefined;
    if (options.web !== false && existsSync(join(WEB_DIST, 'index.html'))) {
      staticServer = await startStaticServer(WEB_DIST, ports.web);
      webUrl = `http://127.0.0.1:${ports.web}`;
    }

    // --- HAProxy: the same infra/haproxy/haproxy.cfg as compose, addresses from env ---
    const lbEnv: NodeJS.ProcessEnv = {
      ...systemEnv,
      LB_BIND: `127.0.0.1:${ports.lb}`,
      LB_STATS_BIND: `127.0.0.1:${ports.lbStats}`,
      HAPROXY_RUNTIME_SOCKET: join(runDir, 'haproxy.sock'),
      ...Object.fromEntries(instanceHandles.map((h) => [`API_${h.index}_ADDR`, `127.0.0.1:${h.port}`])),
      ...(webUrl ? { WEB_ADDR: `127.0.0.1:${ports.web}` } : {}),
    };
    await exec('haproxy', ['-c', '-q', '-f', HAPROXY_CONFIG], { env: lbEnv }).catch((error: { stderr?: string }) => {
      throw new Error(`haproxy -c failed: ${error.stderr}`);
    });
    const haproxy = spawnManaged('haproxy', 'haproxy', ['-W', '-db', '-f', HAPROXY_CONFIG], lbEnv, true);
    haproxy.start();
    const lbStats = `http://127.0.0.1:${ports.lbStats}`;
    const lbStatus = () => fetchLbStatus(lbStats);
    const waitForLbState = (index: number, state: 'UP' | 'DOWN', timeoutMs = 30_000) =>
      waitFor(`HAProxy to report api-${index} ${state}`, async () => {
        const row = (await lbStatus()).find((s) => s.backend === 'api' && s.server === `api-${index}`);
        return row?.status === state;
      }, timeoutMs, 100).then(() => undefined);
    await Promise.all(instanceHandles.map((h) => waitForLbState(h.index, 'UP')));

    // --- Prometheus: same prometheus.yml + rules as compose, targets generated for local ports ---
    let prometheusUrl: string | undefined;
    if (options.prometheus !== false && commandExists('prometheus')) {
      const args = preparePrometheus(PROMETHEUS_DIR, join(runDir, 'prometheus'), {
        api: instanceHandles.map((h) => [`127.0.0.1:${h.port}`, h.id]),
        worker: withWorker ? [[`127.0.0.1:${ports.worker}`, 'worker-1']] : [],
        haproxy: [[`127.0.0.1:${ports.lbStats}`, 'haproxy']],
      }, ports.prometheus);
      const proc = spawnManaged('prometheus', 'prometheus', args, systemEnv, true);
      proc.start();
      prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
      await waitFor('prometheus ready', httpOk(`${prometheusUrl}/-/ready`), 30_000);
    }
    writePids();

    const handle = (index: number) => {
      const h = instanceHandles[index - 1];
      if (!h) throw new Error(`no instance ${index}`);
      return h;
    };
    const stack: Stack = {
      urls: { lb: `http://127.0.0.1:${ports.lb}`, lbStats, instances: instanceHandles.map((h) => h.url), worker: workerUrl, web: webUrl, prometheus: prometheusUrl, cacheRedis, queueRedis },
      ports,
      runDir,
      instances: instanceHandles,
      budget,
      processes,
      lbStatus,
      lbCommand: (command) => runtimeCommand(join(runDir, 'haproxy.sock'), command),
      waitForLbState,
      async killInstance(index, signal = 'SIGKILL') {
        const h = handle(index);
        const exited = h.process.waitForExit();
        h.process.kill(signal);
        await exited;
      },
      async startInstance(index) {
        const h = handle(index);
        h.process.start();
        await waitReady(h);
        await waitForLbState(index, 'UP');
        writePids();
      },
      async restartInstance(index) {
        const h = handle(index);
        await h.process.stop('SIGTERM', 20_000);
        await stack.startInstance(index);
      },
      stop: stopAll,
    };
    return stack;
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}
