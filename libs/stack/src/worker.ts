import { existsSync } from 'node:fs';
import type { ManagedProcess } from './managed-process.js';
import { WORKER_MAIN } from './paths.js';
import type { StackContext } from './types.js';
import { httpOk, waitFor } from './wait-for.js';

/** The worker runs unless switched off, once apps/worker has been built. */
export function workerWanted(ctx: StackContext): boolean {
  return ctx.options.worker !== false && existsSync(WORKER_MAIN);
}

/** Starts worker-1 and waits until it reports ready; returns its URL. */
export async function startWorker(ctx: StackContext, appEnv: NodeJS.ProcessEnv, workerPool: number): Promise<string> {
  const worker = spawnWorker(ctx, appEnv, workerPool, 1, ctx.ports.worker);
  worker.process.start();
  await waitFor('worker ready', httpOk(`${worker.url}/health/ready`), 60_000);
  return worker.url;
}

export interface WorkerHandle {
  index: number;
  url: string;
  process: ManagedProcess;
}

/** The process of worker-<index> (health and metrics on `port`); not started yet. The first one is named "worker". */
export function spawnWorker(ctx: StackContext, appEnv: NodeJS.ProcessEnv, workerPool: number, index: number, port: number): WorkerHandle {
  const env = { ...appEnv, WORKER_INSTANCE_ID: `worker-${index}`, WORKER_HOST: '127.0.0.1', WORKER_PORT: String(port), WORKER_DB_POOL_MAX: String(workerPool) };
  const args = [...(ctx.options.nodeArgs ?? []), '--enable-source-maps', WORKER_MAIN];
  const name = index === 1 ? 'worker' : `worker-${index}`;
  const process_ = ctx.processes.spawn(name, process.execPath, args, env, ctx.options.supervise !== false);
  return { index, url: `http://127.0.0.1:${port}`, process: process_ };
}
