import type { StackAutoscaler } from './autoscale/scale-event.js';
import type { ConnectionBudget } from './connection-budget.js';
import type { LbServerStatus } from './haproxy-stats.js';
import type { ManagedProcess } from './managed-process.js';
import type { PgBouncer } from './pgbouncer/pgbouncer.js';
import type { PostgresReplica } from './replica/postgres-replica.js';
import type { StackPorts } from './ports.js';
import type { StackProcesses } from './stack-processes.js';

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
  /** Extra node flags for API instances and the worker (bench:cost: --cpu-prof, not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** Let config variables from process.env override .env.example (the CLI does; tests don't). */
  inheritEnv?: boolean;
  /** Logs, pid file, Redis/Prometheus data. Default var/stack-<lb port> (a temp dir for 'auto'). */
  runDir?: string;
  /** Restart crashed API instances / worker. Default true. */
  supervise?: boolean;
  log?: (line: string) => void;
  /**
   * Elastic capacity: API instances between min and max (and workers, if given) follow
   * infra/autoscaling/policy.json, like the Kubernetes HPA; `instances` is ignored (min is started).
   * HAProxy runs with server-template slots filled at run time. timeFactor (0-1] compresses every
   * duration of the policy (tests); 1 by default.
   */
  autoscale?: AutoscaleOptions;
  /**
   * PgBouncer in transaction mode between the apps and PostgreSQL (migrations stay direct); the
   * connection budget becomes app pools -> default_pool_size -> max_connections. Default false.
   */
  pgbouncer?: boolean;
  /**
   * A streaming read replica of the database (pg_basebackup + replication slot, own port and data
   * directory in the run directory); the apps get DATABASE_REPLICA_URL. Default false.
   */
  replica?: boolean;
}

export interface AutoscaleOptions {
  min: number;
  max: number;
  workers?: { min: number; max: number };
  timeFactor?: number;
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
  /** The read replica's URL when it runs. */
  replica?: string;
  /** PgBouncer's URL (what the apps use as DATABASE_URL) when it runs. */
  pgbouncer?: string;
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
  /** Waits until HAProxy has ramped server api-<n> in: UP and out of slowstart. */
  waitForLbFullWeight(index: number, timeoutMs?: number): Promise<void>;
  /** Intentional kill (no supervisor restart). SIGKILL by default = a crash. */
  killInstance(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped instance and waits until HAProxy routes to it again. */
  startInstance(index: number): Promise<void>;
  /** Graceful restart: SIGTERM (the app drains), wait for exit, start, wait until UP in HAProxy. */
  restartInstance(index: number): Promise<void>;
  /** Restarts every instance in turn; the next one only once HAProxy has ramped the last one in (slowstart). */
  rollingRestart(): Promise<void>;
  /** The read replica when `replica` was given (its process; stop/start it for fault tests). */
  replica?: PostgresReplica;
  /** PgBouncer when `pgbouncer` was given (its process, URL and admin console). */
  pgbouncer?: PgBouncer;
  /** The autoscaler when `autoscale` was given: its decisions, events and pools. */
  autoscaler?: StackAutoscaler;
  stop(): Promise<void>;
}

/** What every starter of one stack run shares: the options, ports, directories and configuration. */
export interface StackContext {
  options: StackOptions;
  instances: number;
  ports: StackPorts;
  runDir: string;
  log: (line: string) => void;
  /** .env.example, overridden by process.env when inheritEnv is set. */
  fileEnv: Record<string, string>;
  /** PATH, HOME and LANG: all a child process gets besides its own configuration. */
  systemEnv: NodeJS.ProcessEnv;
  databaseUrl: string;
  processes: StackProcesses;
}
