import { appEnvironment, planConnections } from './app-environment.js';
import type { PoolMember } from './autoscale/scale-event.js';
import { startAutoscaler } from './autoscale/start-autoscaler.js';
import { startApiInstances } from './api-instances.js';
import { prepareDatabase } from './database.js';
import { startPgBouncer } from './pgbouncer/start-pgbouncer.js';
import { startReplica } from './replica/start-replica.js';
import { startHaproxy } from './haproxy.js';
import { ensurePrerequisites } from './prerequisites.js';
import { startPrometheus } from './prometheus.js';
import { startRedisRoles } from './redis-roles.js';
import { createStackContext } from './stack-context.js';
import { createStackHandle } from './stack-handle.js';
import type { Stack, StackOptions } from './types.js';
import { startWeb } from './web.js';
import { startWorker, workerWanted } from './worker.js';

/**
 * Starts the no-Docker stack: the two Redis roles, the database (migrated, optionally seeded),
 * the read replica and PgBouncer (when asked), N API instances, the worker, the static web front end, HAProxy and Prometheus, in that order.
 * On any failure everything already started is stopped again.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ctx = await createStackContext(options);
  try {
    await ensurePrerequisites(ctx.log);
    const redis = await startRedisRoles(ctx);
    await prepareDatabase(ctx);
    const replica = ctx.options.replica ? await startReplica(ctx) : undefined;
    const withWorker = workerWanted(ctx);
    const { budget, workerPool } = await planConnections(ctx, withWorker);
    const pgbouncer = budget.pooler ? await startPgBouncer(ctx, budget.pooler) : undefined;
    const appEnv = appEnvironment(ctx, redis, budget, pgbouncer?.url, replica?.url);
    const instances = await startApiInstances(ctx, appEnv);
    const worker = withWorker ? await startWorker(ctx, appEnv, workerPool) : undefined;
    const web = await startWeb(ctx);
    const lb = await startHaproxy(ctx, instances, web);
    const prometheus = await startPrometheus(ctx, instances, withWorker);
    // Instances the autoscaler adds are scraped too: it rewrites the job's file_sd targets on each change.
    const onPoolChange =
      prometheus &&
      ((job: 'api' | 'worker', members: PoolMember[]) =>
        prometheus.setTargets(
          job,
          members.map((m) => [new URL(m.url).host, m.id]),
        ));
    const autoscaler = ctx.options.autoscale ? startAutoscaler(ctx, { appEnv, instances, lb, worker, workerPool, onPoolChange: onPoolChange || undefined }) : undefined;
    ctx.processes.writePids();
    return createStackHandle(ctx, {
      instances,
      lb,
      budget,
      autoscaler,
      pgbouncer,
      replica,
      urls: { worker, web, prometheus: prometheus?.url, pgbouncer: pgbouncer?.url, replica: replica?.url, ...redis },
    });
  } catch (error) {
    await ctx.processes.stop().catch(() => {});
    throw error;
  }
}
