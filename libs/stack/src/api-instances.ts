import { API_NODE_FLAGS } from './api-node-flags.js';
import { API_MAIN } from './paths.js';
import type { InstanceHandle, StackContext } from './types.js';
import { httpOk, waitFor } from './wait-for.js';

/** Starts the N API instances (api-1..api-N) and waits until each reports ready. */
export async function startApiInstances(ctx: StackContext, appEnv: NodeJS.ProcessEnv): Promise<InstanceHandle[]> {
  const handles = ctx.ports.api.slice(0, ctx.instances).map((_port, i) => spawnApiInstance(ctx, appEnv, i + 1));
  handles.forEach((h) => h.process.start());
  await Promise.all(handles.map(waitUntilReady));
  return handles;
}

/** The process of API instance api-<index> on ctx.ports.api[index - 1] (not started yet). */
export function spawnApiInstance(ctx: StackContext, appEnv: NodeJS.ProcessEnv, index: number): InstanceHandle {
  const { options } = ctx;
  const port = ctx.ports.api[index - 1];
  const id = `api-${index}`;
  const env = { ...appEnv, PORT: String(port), INSTANCE_ID: id };
  const args = [...(options.nodeArgs ?? []), ...API_NODE_FLAGS, '--enable-source-maps', API_MAIN];
  const proc = ctx.processes.spawn(id, process.execPath, args, env, options.supervise !== false);
  return { index, id, port, url: `http://127.0.0.1:${port}`, process: proc };
}

/** Waits for /health/ready; fails fast when the instance has exited. */
export function waitUntilReady(h: InstanceHandle): Promise<boolean> {
  return waitFor(
    `${h.id} ready (log: ${h.process.options.logFile})`,
    async () => {
      if (!h.process.running && h.process.lastExit) throw new Error(`${h.id} exited with code ${h.process.lastExit.code}`);
      return httpOk(`${h.url}/health/ready`)();
    },
    60_000,
  );
}
