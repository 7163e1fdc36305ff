import { freePort } from '@conduit/testing';
import type { StackContext } from '../types.js';
import type { PoolMember } from './scale-event.js';
import { httpOk, waitFor } from '../wait-for.js';
import { spawnWorker, type WorkerHandle } from '../worker.js';

/**
 * Worker processes the autoscaler owns: worker-1 (started with the stack) and worker-2..max on
 * ports from the kernel. Scale-in stops the newest with SIGTERM: it stops taking jobs and finishes
 * the running ones (WORKER_SHUTDOWN_TIMEOUT_MS); BullMQ hands anything unfinished to another worker.
 */
export class WorkerPool {
  private readonly workers: WorkerHandle[] = [];
  private readonly starting = new Set<number>();

  constructor(
    private readonly ctx: StackContext,
    private readonly appEnv: NodeJS.ProcessEnv,
    private readonly workerPool: number,
    firstUrl: string,
    firstProcess: WorkerHandle['process'],
  ) {
    this.workers.push({ index: 1, url: firstUrl, process: firstProcess });
  }

  get size(): number {
    return this.workers.length;
  }

  urls(): string[] {
    return this.workers.map((w) => w.url);
  }

  running(): PoolMember[] {
    return this.workers.map((w) => ({ id: `worker-${w.index}`, url: w.url }));
  }

  async add(): Promise<void> {
    const index = Math.max(0, ...this.workers.map((w) => w.index), ...this.starting) + 1;
    this.starting.add(index);
    try {
      const worker = spawnWorker(this.ctx, this.appEnv, this.workerPool, index, await freePort());
      worker.process.start();
      await waitFor(`worker-${index} ready`, httpOk(`${worker.url}/health/ready`), 60_000);
      this.workers.push(worker);
    } finally {
      this.starting.delete(index);
    }
    this.ctx.processes.writePids();
  }

  async remove(): Promise<void> {
    const worker = this.workers.pop();
    await worker?.process.stop('SIGTERM', 30_000);
  }
}
