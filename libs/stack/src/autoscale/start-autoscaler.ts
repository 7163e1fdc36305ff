import type { LoadBalancer } from '../haproxy.js';
import type { InstanceHandle, StackContext } from '../types.js';
import { ApiPool } from './api-pool.js';
import { Autoscaler, type AutoscalerParts } from './autoscaler.js';
import { compressTime, loadAutoscalePolicy } from './policy.js';
import { WorkerPool } from './worker-pool.js';

export interface AutoscaledParts {
  appEnv: NodeJS.ProcessEnv;
  instances: InstanceHandle[];
  lb: LoadBalancer;
  /** The first worker's URL when the stack runs one. */
  worker?: string;
  workerPool: number;
  /** A pool gained or lost an instance: Prometheus's file_sd targets follow it. */
  onPoolChange?: AutoscalerParts['onPoolChange'];
}

/** Builds the pools from what startStack started and starts the control loop (options.autoscale). */
export function startAutoscaler(ctx: StackContext, parts: AutoscaledParts): Autoscaler {
  const options = ctx.options.autoscale!;
  const policy = compressTime(loadAutoscalePolicy(), options.timeFactor ?? 1);
  const api = { pool: new ApiPool(ctx, parts.appEnv, parts.lb, options.max, parts.instances), min: options.min, max: options.max };
  const firstWorker = ctx.processes.list.find((p) => p.name === 'worker');
  const worker =
    options.workers && parts.worker && firstWorker
      ? { pool: new WorkerPool(ctx, parts.appEnv, parts.workerPool, parts.worker, firstWorker), min: options.workers.min, max: options.workers.max }
      : undefined;
  const autoscaler = new Autoscaler({ policy, api, worker, log: ctx.log, onPoolChange: parts.onPoolChange });
  autoscaler.start();
  ctx.log(
    `autoscale: api ${options.min}-${options.max}${worker ? `, workers ${worker.min}-${worker.max}` : ''}; policy infra/autoscaling/policy.json` +
      ` (sync ${policy.syncPeriodSeconds} s, in-flight target ${policy.api.perPod.targetAverageValue} over ${policy.api.perPod.windowSeconds} s, cpu ${policy.api.cpu.targetAverageUtilization}%,` +
      ` scale-down window ${policy.api.behavior.scaleDown.stabilizationWindowSeconds} s)`,
  );
  return autoscaler;
}
