import { join } from 'node:path';
import type { PoolerBudget } from '../connection-budget.js';
import type { StackContext } from '../types.js';
import { PgBouncer } from './pgbouncer.js';

/** `--pgbouncer`: PgBouncer in transaction mode between the apps and PostgreSQL, sized by the budget. */
export async function startPgBouncer(ctx: StackContext, budget: PoolerBudget): Promise<PgBouncer> {
  const env = { ...ctx.fileEnv, ...ctx.options.env };
  const port = ctx.ports.pgbouncer;
  if (port === undefined) throw new Error('no port for PgBouncer (ports.pgbouncer)');
  const pgbouncer = new PgBouncer(
    {
      port,
      upstreamUrl: ctx.databaseUrl,
      poolSize: budget.poolSize,
      maxClientConn: budget.maxClientConn,
      queryWaitTimeoutMs: Number(env.DB_POOL_ACQUIRE_TIMEOUT_MS ?? 2_000),
      statementTimeoutMs: Number(env.DB_STATEMENT_TIMEOUT_MS ?? 5_000),
      dir: join(ctx.runDir, 'pgbouncer'),
    },
    (command, args) => ctx.processes.spawn('pgbouncer', command, args, ctx.systemEnv, ctx.options.supervise !== false),
  );
  await pgbouncer.start();
  ctx.log(`pgbouncer: transaction mode on 127.0.0.1:${port}, ${budget.poolSize} server connections for ${budget.clientConnections} app connections`);
  return pgbouncer;
}
