// Everything the scenarios run against: the suite's own PostgreSQL cluster (port 5440) behind
// the fault proxy (5441), a seeded database, an SMTP sink for the worker (4190), and the
// no-Docker stack (libs/stack startStack: 2 API instances, worker, HAProxy, own cache and
// queue Redis) on this suite's fixed ports. The machine's shared PostgreSQL is never touched.
// A scenario may ask for a stack variant (PgBouncer, a read replica): main.ts restarts the stack
// with it before that scenario (useStack), and back to the plain stack for the next one.
import { FaultProxy } from '@conduit/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { startStack, type Stack } from '../../libs/stack/src/index.ts';
import { PostgresCluster } from './postgres-cluster.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const PORTS = {
  pg: 5440,
  pgProxy: 5441,
  smtp: 4190,
  lb: 8100,
  lbStats: 8101,
  api: [3050, 3051],
  worker: 4191,
  web: 4192,
  prometheus: 9100,
  cacheRedis: 6430,
  queueRedis: 6431,
  pgbouncer: 6440,
  replica: 5444,
};
export const DB_NAME = 'conduit_resilience';
/** Per-request budget the API is configured with for the suite (REQUEST_TIMEOUT_MS). */
export const REQUEST_BUDGET_MS = 3_000;

/** DB_REPLICA_MAX_LAG_MS of the replica variant (the .env.example default, stated for the scenarios' checks). */
export const REPLICA_MAX_LAG_MS = 1_000;

/** The database tier in front of the suite's cluster: PgBouncer and/or a streaming read replica (libs/stack options). */
export interface StackVariant {
  pgbouncer?: boolean;
  replica?: boolean;
}

export const variantName = (v: StackVariant) => [v.pgbouncer && 'PgBouncer', v.replica && 'replica'].filter(Boolean).join(' + ') || 'plain';

/** Settings of the stack under test (a test configuration: see the results file's notes). */
export const STACK_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'resilience-suite-secret-0123456789abcdef',
  REQUEST_TIMEOUT_MS: String(REQUEST_BUDGET_MS),
  DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
  DB_STATEMENT_TIMEOUT_MS: '2000',
  // Load shedding on event-loop delay answers 503 by design when this shared 2-core box is busy
  // (other engineers' tests); off, so 5xx figures show the faults, not the neighbours.
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(PORTS.smtp),
  // Stalled-job recovery in seconds rather than 30 s (the worker SIGKILL scenario).
  WORKER_LOCK_DURATION_MS: '5000',
  WORKER_STALLED_INTERVAL_MS: '2000',
  WORKER_EMAIL_CONCURRENCY: '20',
  // Test-only fault point (apps/api/src/common/fault-point.ts): a request carrying
  // `x-test-fault: crash-after-commit` SIGKILLs its instance between commit and response (the
  // SIGKILL-after-commit scenario). Refused by the config when NODE_ENV=production.
  TEST_FAULT_INJECTION: 'true',
  // Test-only preload: SIGUSR2 -> uncaught exception (fault-preload.mjs). Not in production config.
  NODE_OPTIONS: `--import ${join(REPO, 'load-tests/resilience/fault-preload.mjs')}`,
};

export interface SmtpSink {
  /** Message-ID -> deliveries. */
  messages: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function startSmtpSink(port: number): Promise<SmtpSink> {
  const messages = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        const id = /^message-id:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? `no-id-${messages.size}`;
        messages.set(id, (messages.get(id) ?? 0) + 1);
        callback();
      });
    },
  });
  // A worker SIGKILLed mid-transaction resets its SMTP connection: an 'error' event, not a crash.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    messages,
    total: () => [...messages.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Environment {
  pg: PostgresCluster;
  proxy: FaultProxy;
  smtp: SmtpSink;
  stack: Stack;
  /** The running stack's variant. */
  variant: StackVariant;
  /** Restarts the stack with `variant` unless it already runs it (the database and Redis data stay). */
  useStack(variant: StackVariant): Promise<void>;
  /** What the stack uses: through the fault proxy. */
  dbUrl: string;
  /** Straight to the suite's cluster (assertions, pg_terminate_backend). */
  directDbUrl: string;
  stop(): Promise<void>;
}

interface DbModule {
  ensureDatabase(url: string): Promise<void>;
  applyMigrations(url: string, dir: string): Promise<unknown>;
  seedDatabase(url: string, o: { plan: unknown }): Promise<{ status: string; ms: number }>;
  planForScale(scale: number, overrides?: Record<string, number>): unknown;
}

export async function loadDb(): Promise<DbModule> {
  return (await import(join(REPO, 'libs/db/dist/index.js'))) as DbModule;
}

/** The suite's stack on its fixed ports, with the database tier of `variant`. */
function launchStack(variant: StackVariant, databaseUrl: string, runDir: string, log: (l: string) => void): Promise<Stack> {
  return startStack({
    instances: 2,
    ports: PORTS,
    databaseUrl,
    migrate: false,
    prometheus: false,
    web: false,
    runDir,
    env: variant.replica ? { ...STACK_ENV, DB_REPLICA_MAX_LAG_MS: String(REPLICA_MAX_LAG_MS) } : STACK_ENV,
    log: (l) => log(`stack: ${l}`),
    pgbouncer: variant.pgbouncer === true,
    replica: variant.replica === true,
  });
}

export async function startEnvironment(log: (l: string) => void): Promise<Environment> {
  const pg = new PostgresCluster(PORTS.pg);
  const cleanups: Array<() => Promise<void> | void> = [() => pg.destroy()];
  // Last resort if this process dies: never leave the suite's PostgreSQL running.
  const onExit = () => pg.destroy();
  process.once('exit', onExit);
  cleanups.push(() => void process.off('exit', onExit));
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    pg.init();
    await pg.start();
    log(`own PostgreSQL cluster on ${PORTS.pg} (${pg.dataDir})`);
    const proxy = new FaultProxy({ listenPort: PORTS.pgProxy, targets: [PORTS.pg] });
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const directDbUrl = `postgresql://postgres@127.0.0.1:${PORTS.pg}/${DB_NAME}`;
    const dbUrl = `postgresql://postgres@127.0.0.1:${PORTS.pgProxy}/${DB_NAME}`;
    const db = await loadDb();
    await db.ensureDatabase(directDbUrl);
    await db.applyMigrations(directDbUrl, join(REPO, 'prisma/migrations'));
    const seeded = await db.seedDatabase(directDbUrl, { plan: db.planForScale(0.1, { users: 1000, loadTestAccounts: 1000 }) });
    log(`database ${DB_NAME}: seed ${seeded.status} in ${(seeded.ms / 1000).toFixed(1)} s`);
    const smtp = await startSmtpSink(PORTS.smtp);
    cleanups.push(() => smtp.close());
    const runDir = join(REPO, 'var/resilience-stack');
    mkdirSync(runDir, { recursive: true });
    const launch = (variant: StackVariant) => launchStack(variant, dbUrl, runDir, log);
    const upLine = (s: Stack) =>
      `stack up: LB ${s.urls.lb}, ${s.instances.map((h) => h.url).join(' ')}, worker ${s.urls.worker}${s.urls.pgbouncer ? `, PgBouncer ${s.urls.pgbouncer}` : ''}${s.urls.replica ? `, replica ${s.urls.replica}` : ''}`;
    const env: Environment = {
      pg,
      proxy,
      smtp,
      stack: await launch({}),
      variant: {},
      dbUrl,
      directDbUrl,
      stop: stopAll,
      async useStack(variant) {
        if (variantName(variant) === variantName(env.variant)) return;
        log(`stack: restarting as ${variantName(variant)}`);
        await env.stack.stop();
        env.variant = variant;
        env.stack = await launch(variant);
        log(upLine(env.stack));
      },
    };
    cleanups.push(() => env.stack.stop());
    log(upLine(env.stack));
    return env;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
