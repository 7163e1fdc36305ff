import { waitUntilReady } from './api-instances.js';
import type { StackAutoscaler } from './autoscale/scale-event.js';
import type { ConnectionBudget } from './connection-budget.js';
import type { LoadBalancer } from './haproxy.js';
import type { PgBouncer } from './pgbouncer/pgbouncer.js';
import type { PostgresReplica } from './replica/postgres-replica.js';
import type { InstanceHandle, Stack, StackContext, StackUrls } from './types.js';

export interface StartedParts {
  instances: InstanceHandle[];
  lb: LoadBalancer;
  budget: ConnectionBudget;
  autoscaler?: StackAutoscaler;
  pgbouncer?: PgBouncer;
  replica?: PostgresReplica;
  urls: Omit<StackUrls, 'lb' | 'lbStats' | 'instances'>;
}

/** The handle startStack returns: URLs, the processes, and the fault-injection controls. */
export function createStackHandle(ctx: StackContext, parts: StartedParts): Stack {
  const { instances, lb } = parts;
  const handle = (index: number) => {
    const h = instances[index - 1];
    if (!h) throw new Error(`no instance ${index}`);
    return h;
  };
  const { worker, web, prometheus, pgbouncer, replica, cacheRedis, queueRedis } = parts.urls;
  const stack: Stack = {
    urls: { lb: `http://127.0.0.1:${ctx.ports.lb}`, lbStats: lb.statsUrl, instances: instances.map((h) => h.url), worker, web, prometheus, pgbouncer, replica, cacheRedis, queueRedis },
    pgbouncer: parts.pgbouncer,
    replica: parts.replica,
    ports: ctx.ports,
    runDir: ctx.runDir,
    instances,
    budget: parts.budget,
    processes: ctx.processes.list,
    lbStatus: lb.status,
    lbCommand: lb.command,
    waitForLbState: lb.waitForState,
    waitForLbFullWeight: lb.waitForFullWeight,
    async killInstance(index, signal = 'SIGKILL') {
      const h = handle(index);
      const exited = h.process.waitForExit();
      h.process.kill(signal);
      await exited;
    },
    async startInstance(index) {
      const h = handle(index);
      h.process.start();
      await waitUntilReady(h);
      await lb.waitForState(index, 'UP');
      ctx.processes.writePids();
    },
    async restartInstance(index) {
      const h = handle(index);
      await h.process.stop('SIGTERM', 20_000);
      await stack.startInstance(index);
    },
    async rollingRestart() {
      // Like a Deployment's minReadySeconds: the next instance goes down only once HAProxy gives the
      // restarted one its full weight. Restarting the next one while the last is still ramping in
      // leaves a cold instance carrying the whole load, and on a small box the next one's boot
      // competes with it for CPU.
      for (const h of instances) {
        await stack.restartInstance(h.index);
        await stack.waitForLbFullWeight(h.index);
      }
    },
    autoscaler: parts.autoscaler,
    // The autoscaler first: no instance is started or stopped while the stack stops.
    stop: async () => {
      await parts.autoscaler?.stop();
      await ctx.processes.stop();
    },
  };
  return stack;
}
