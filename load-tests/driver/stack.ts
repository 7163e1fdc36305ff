// The system under test for loadtest:ci and loadtest:stress: the no-Docker stack from
// libs/stack (startStack: N API instances, the worker, HAProxy, a cache and a
// queue Redis of its own) on this suite's fixed ports, against a dedicated, seeded database.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf } from './process-cpu.ts';
import type { Target } from './run.ts';
import { processGroups } from './target.ts';

/** The part of libs/stack's Stack this suite uses. */
interface StackHandle {
  urls: { lb: string; instances: string[]; cacheRedis: string; queueRedis: string };
  runDir: string;
  instances: Array<{ id: string; process: { pid: number | undefined } }>;
  stop(): Promise<void>;
}
interface StackModule {
  startStack(options: Record<string, unknown>): Promise<StackHandle>;
  claimRunDirectory(dir: string): () => void;
}
interface DbModule {
  ensureDatabase(url: string): Promise<void>;
  applyMigrations(url: string, dir: string, log?: (l: string) => void): Promise<unknown>;
  seedDatabase(url: string, o: { plan: unknown; reset?: boolean; log?: (l: string) => void }): Promise<{ status: string; ms: number }>;
  planForScale(scale: number, overrides?: Record<string, unknown>): { loadTestAccounts: number; articles: number };
}

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** This suite's fixed ports (LB 8090-8099, API 3020-3039, Redis 6385-6389, misc 4160-4169). */
export const LOADTEST_PORTS = { lb: 8090, lbStats: 8091, api: [3020, 3021, 3022, 3023], worker: 4160, web: 4161, prometheus: 4162, cacheRedis: 6385, queueRedis: 6386 };

export interface LoadTestStack {
  stack: StackHandle;
  target: Target;
  /** Stops the stack (idempotent); also runs on SIGINT/SIGTERM. */
  stop(): Promise<void>;
}

export interface LoadTestStackOptions {
  instances: number;
  databaseUrl: string;
  seedScale: number;
  loadTestAccounts?: number;
  /** Rebuild the seed data first, so every run starts from the same rows (writers add ~1000 articles per run). */
  reseed: boolean;
  /** Seed profile (libs/db seed-plan.ts): 'lived-in' = years of skewed history, empty tags, deleted rows. Default uniform. */
  seedProfile?: 'uniform' | 'lived-in';
  /** Extra node flags for the API instances and the worker (bench:cost: --cpu-prof). */
  nodeArgs?: string[];
  /**
   * 'npm-start' (the release gate): the app configuration `npm start` gives - .env.example as is
   * (LOG_LEVEL=info, every limit at its default), Prometheus scraping every target, the worker.
   * 'lab' (stress): LOG_LEVEL=warn, no Prometheus, to find the app's own ceiling.
   */
  config?: 'npm-start' | 'lab';
  log: (l: string) => void;
}

export async function startLoadTestStack(opts: LoadTestStackOptions): Promise<LoadTestStack> {
  // Variable specifiers: loaded at run time, so typechecking the driver does not depend on them.
  const stackPath = join(REPO, 'libs/stack/src/index.ts');
  const dbPath = join(REPO, 'libs/db/dist/index.js');
  const { startStack, claimRunDirectory } = (await import(stackPath)) as StackModule;
  const db = (await import(dbPath)) as DbModule;

  // One load test at a time on this box: a second run would reseed the database under the first
  // and share its ports. Refused here, before seeding, with who holds it (the stack's own claim of
  // its run directory comes later).
  const releaseSuite = claimRunDirectory(join(REPO, 'var/loadtest-suite'));
  let stack: StackHandle;
  try {
    await seedLoadTestDatabase(db, opts);
    stack = await startStack(loadTestStackOptions(opts));
  } catch (error) {
    releaseSuite();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stack.stop().finally(releaseSuite));
  stopOnSignals(stop, opts.log);
  const { groups, close } = processGroupsOf(stack, opts.databaseUrl);
  let stoppedAll: Promise<void> | undefined;
  return {
    stack,
    target: {
      baseUrl: stack.urls.lb,
      instanceUrls: stack.urls.instances,
      groups,
      redisServers: [
        { name: 'cache', port: Number(new URL(stack.urls.cacheRedis).port) },
        { name: 'queue', port: Number(new URL(stack.urls.queueRedis).port) },
      ],
    },
    // Once, however often it is called (the release gate stops the stack before its second floor, then again on the way out).
    stop: () => (stoppedAll ??= close().then(stop)),
  };
}

/**
 * Seeds before the stack starts: with reseed, a fresh copy of the deterministic data set
 * (~2 s at scale 0.2), else only when missing.
 */
async function seedLoadTestDatabase(db: DbModule, opts: LoadTestStackOptions): Promise<void> {
  await db.ensureDatabase(opts.databaseUrl);
  await db.applyMigrations(opts.databaseUrl, join(REPO, 'prisma/migrations'));
  const plan = db.planForScale(opts.seedScale, { ...(opts.loadTestAccounts ? { loadTestAccounts: opts.loadTestAccounts } : {}), ...(opts.seedProfile ? { profile: opts.seedProfile } : {}) });
  const seeded = await db.seedDatabase(opts.databaseUrl, { plan, reset: opts.reseed });
  opts.log(
    `database ${new URL(opts.databaseUrl).pathname.slice(1)}: seed ${seeded.status} in ${(seeded.ms / 1000).toFixed(1)} s (${opts.seedProfile ?? 'uniform'} profile, ${plan.articles} articles, ${plan.loadTestAccounts} load-test accounts)`,
  );
}

function loadTestStackOptions(opts: LoadTestStackOptions): Record<string, unknown> {
  return {
    instances: opts.instances,
    ports: { ...LOADTEST_PORTS, api: LOADTEST_PORTS.api.slice(0, opts.instances) },
    databaseUrl: opts.databaseUrl,
    migrate: false,
    seed: false,
    prometheus: opts.config === 'npm-start',
    // The one difference from `npm start` in both modes: no static web front end. No request of
    // the load test goes to it (the journeys call /api and /socket.io), and a CI clone has not built it.
    web: false,
    runDir: join(REPO, 'var/loadtest-stack'),
    env: opts.config === 'npm-start' ? {} : { LOG_LEVEL: 'warn' },
    nodeArgs: [...(opts.nodeArgs ?? []), ...profilingNodeArgs(process.env)],
    log: opts.log,
  };
}

function stopOnSignals(stop: () => Promise<void>, log: (l: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the stack`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** CPU and memory sampling per process group: the API instances, the worker, HAProxy, Redis, PostgreSQL. */
function processGroupsOf(stack: StackHandle, databaseUrl: string): ReturnType<typeof processGroups> {
  const pidsFile = () => {
    try {
      return JSON.parse(readFileSync(join(stack.runDir, 'pids.json'), 'utf8')) as Array<{ pid: number; cmd: string[] }>;
    } catch {
      return [];
    }
  };
  const pidsOf = (match: (cmd: string) => boolean) => () =>
    pidsFile()
      .filter((p) => match(p.cmd.join(' ')))
      .flatMap((p) => [p.pid, ...childrenOf(p.pid)]);
  const redisPorts = [stack.urls.cacheRedis, stack.urls.queueRedis].map((u) => Number(new URL(u).port));
  return processGroups({
    apiPids: stack.instances.map((h) => () => (h.process.pid ? [h.process.pid] : [])),
    workerPids: pidsOf((cmd) => cmd.includes('apps/worker/dist/main.js')),
    lbPids: pidsOf((cmd) => cmd.startsWith('haproxy')),
    redisPorts,
    databaseUrl,
  });
}

/**
 * Node flags for profiling any load test's API instances and worker, from the environment:
 * - LOADTEST_CPU_PROFILE_DIR=<dir>: V8 CPU profiles (written when the stack stops); open them in
 *   Chrome DevTools or read them with bench/cost/cpu-profile.ts.
 * - LOADTEST_PERF_MAP=1: each process writes /tmp/perf-<pid>.map, so `perf record -a -g -e cpu-clock`
 *   names its JavaScript frames: on-CPU samples of the whole stack, kernel included, which V8's
 *   own sampler cannot give (it also charges the time a thread waited for a CPU inside a syscall).
 */
export function profilingNodeArgs(env: NodeJS.ProcessEnv): string[] {
  return [...(env.LOADTEST_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${env.LOADTEST_CPU_PROFILE_DIR}`] : []), ...(env.LOADTEST_PERF_MAP === '1' ? ['--perf-basic-prof-only-functions'] : [])];
}
