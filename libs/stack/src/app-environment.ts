import { connectionBudget, type ConnectionBudget } from './connection-budget.js';
import type { RedisUrls } from './redis-roles.js';
import type { StackContext } from './types.js';

export interface ConnectionPlan {
  budget: ConnectionBudget;
  /** The worker's pool (0 without a worker). */
  workerPool: number;
}

/** Splits PostgreSQL's max_connections between the API instances and the worker. */
export async function planConnections(ctx: StackContext, withWorker: boolean): Promise<ConnectionPlan> {
  const { fileEnv } = ctx;
  const workerPool = withWorker ? Number(fileEnv.WORKER_DB_POOL_MAX ?? 5) : 0;
  const wanted = Number(ctx.options.env?.DB_POOL_MAX ?? fileEnv.DB_POOL_MAX ?? 6);
  // Autoscaling: the budget must hold at max instances and max workers (as next to the HPA's maxReplicas).
  const autoscale = ctx.options.autoscale;
  const workers = withWorker ? (autoscale?.workers?.max ?? 1) : 0;
  const budget = await connectionBudget(ctx.databaseUrl, autoscale?.max ?? ctx.instances, wanted, workerPool * workers, ctx.options.pgbouncer === true);
  return { budget, workerPool };
}

/** The environment of the API instances and the worker (before their own PORT / instance id). */
/** `pooledUrl`: PgBouncer's URL when it runs; the apps then use it (migrations stay direct). */
export function appEnvironment(ctx: StackContext, redis: RedisUrls, budget: ConnectionBudget, pooledUrl?: string, replicaUrl?: string): NodeJS.ProcessEnv {
  const { fileEnv, ports } = ctx;
  return {
    ...ctx.systemEnv,
    ...fileEnv,
    DATABASE_URL: ctx.databaseUrl,
    ...(pooledUrl ? { DATABASE_URL: pooledUrl, DB_TRANSACTION_POOLER: 'true' } : {}),
    ...(replicaUrl ? { DATABASE_REPLICA_URL: replicaUrl } : {}),
    REDIS_URL: redis.cacheRedis,
    QUEUE_REDIS_URL: redis.queueRedis,
    DB_POOL_MAX: String(budget.perInstance),
    // Only HAProxy (on loopback) may set X-Forwarded-For.
    TRUSTED_PROXIES: '127.0.0.1',
    // Browsers reach the app through the LB: allow its origin for CORS and the chat handshake.
    CORS_ORIGINS: [fileEnv.CORS_ORIGINS, `http://127.0.0.1:${ports.lb}`, `http://localhost:${ports.lb}`].filter(Boolean).join(','),
    HOST: '127.0.0.1',
    OPS_METRICS_TARGETS: opsTargets(ctx),
    ...ctx.options.env,
  };
}

/** What the /ops page reads: every API instance and the worker (each answers /metrics and /health/ready). */
function opsTargets(ctx: StackContext): string {
  const api = ctx.ports.api.slice(0, ctx.instances).map((port, i) => `api-${i + 1}=http://127.0.0.1:${port}`);
  const worker = ctx.options.worker === false ? [] : [`worker=http://127.0.0.1:${ctx.ports.worker}`];
  return [...api, ...worker].join(',');
}
