import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fetchLbStatus, runtimeCommand, type LbServerStatus } from './haproxy-stats.js';
import { lbSlots } from './autoscale/lb-slots.js';
import { HAPROXY_CONFIG } from './paths.js';
import type { InstanceHandle, StackContext } from './types.js';
import { waitFor } from './wait-for.js';

const exec = promisify(execFile);

/** The running HAProxy as the stack handle exposes it. */
export interface LoadBalancer {
  statsUrl: string;
  status(): Promise<LbServerStatus[]>;
  command(command: string): Promise<string>;
  waitForState(index: number, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** Waits until server api-<n> is UP and out of slowstart (HAProxy's throttle column is empty). */
  waitForFullWeight(index: number, timeoutMs?: number): Promise<void>;
}

/**
 * HAProxy with the same infra/haproxy/haproxy.cfg as compose (addresses from the environment);
 * resolves once it routes to every instance.
 */
export async function startHaproxy(ctx: StackContext, instances: InstanceHandle[], webUrl: string | undefined): Promise<LoadBalancer> {
  const env = haproxyEnvironment(ctx, instances, webUrl);
  await exec('haproxy', ['-c', '-q', '-f', HAPROXY_CONFIG], { env }).catch((error: { stderr?: string }) => {
    throw new Error(`haproxy -c failed: ${error.stderr}`);
  });
  ctx.processes.spawn('haproxy', 'haproxy', ['-W', '-db', '-f', HAPROXY_CONFIG], env, true).start();
  const lb = loadBalancer(`http://127.0.0.1:${ctx.ports.lbStats}`, join(ctx.runDir, 'haproxy.sock'));
  if (ctx.options.autoscale) await fillTemplateSlots(lb, instances);
  await Promise.all(instances.map((h) => lb.waitForState(h.index, 'UP')));
  return lb;
}

function haproxyEnvironment(ctx: StackContext, instances: InstanceHandle[], webUrl: string | undefined): NodeJS.ProcessEnv {
  const { ports } = ctx;
  return {
    ...ctx.systemEnv,
    LB_BIND: `127.0.0.1:${ports.lb}`,
    LB_STATS_BIND: `127.0.0.1:${ports.lbStats}`,
    HAPROXY_RUNTIME_SOCKET: join(ctx.runDir, 'haproxy.sock'),
    // Autoscaling: server-template slots, filled through the runtime API (autoscale/lb-slots.ts).
    ...(ctx.options.autoscale ? { API_SERVER_TEMPLATE: '1' } : Object.fromEntries(instances.map((h) => [`API_${h.index}_ADDR`, `127.0.0.1:${h.port}`]))),
    ...(webUrl ? { WEB_ADDR: `127.0.0.1:${ports.web}` } : {}),
  };
}

/** The runtime socket appears a moment after HAProxy starts: retry the first slot until it answers. */
async function fillTemplateSlots(lb: LoadBalancer, instances: InstanceHandle[]): Promise<void> {
  await waitFor('HAProxy runtime API', () => lb.command('show info').then((answer) => answer.length > 0), 10_000, 100);
  for (const h of instances) await lbSlots.enable(lb, h.index, h.port);
}

function loadBalancer(statsUrl: string, runtimeSocket: string): LoadBalancer {
  const status = () => fetchLbStatus(statsUrl);
  const waitForState = (index: number, state: 'UP' | 'DOWN', timeoutMs = 30_000) =>
    waitFor(
      `HAProxy to report api-${index} ${state}`,
      async () => {
        const row = (await status()).find((s) => s.backend === 'api' && s.server === `api-${index}`);
        return row?.status === state;
      },
      timeoutMs,
      100,
    ).then(() => undefined);
  const waitForFullWeight = (index: number, timeoutMs = 30_000) =>
    waitFor(
      `HAProxy to give api-${index} its full weight (slowstart over)`,
      async () => {
        const row = (await status()).find((s) => s.backend === 'api' && s.server === `api-${index}`);
        return row?.status === 'UP' && row.throttlePercent === null;
      },
      timeoutMs,
      250,
    ).then(() => undefined);
  return { statsUrl, status, command: (command) => runtimeCommand(runtimeSocket, command), waitForState, waitForFullWeight };
}
