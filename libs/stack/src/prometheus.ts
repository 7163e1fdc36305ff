import { join } from 'node:path';
import { PROMETHEUS_DIR } from './paths.js';
import { commandExists } from './prerequisites.js';
import { preparePrometheus } from './prometheus-config.js';
import type { InstanceHandle, StackContext } from './types.js';
import { httpOk, waitFor } from './wait-for.js';

/**
 * Prometheus (when installed and not switched off) with the same prometheus.yml and rules as
 * compose, its targets generated for the local ports; returns its URL.
 */
export async function startPrometheus(ctx: StackContext, instances: InstanceHandle[], withWorker: boolean): Promise<string | undefined> {
  if (ctx.options.prometheus === false || !commandExists('prometheus')) return undefined;
  const { ports } = ctx;
  const targets = {
    api: instances.map((h): [string, string] => [`127.0.0.1:${h.port}`, h.id]),
    worker: withWorker ? [[`127.0.0.1:${ports.worker}`, 'worker-1'] as [string, string]] : [],
    haproxy: [[`127.0.0.1:${ports.lbStats}`, 'haproxy'] as [string, string]],
  };
  const args = preparePrometheus(PROMETHEUS_DIR, join(ctx.runDir, 'prometheus'), targets, ports.prometheus);
  ctx.processes.spawn('prometheus', 'prometheus', args, ctx.systemEnv, true).start();
  const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
  await waitFor('prometheus ready', httpOk(`${prometheusUrl}/-/ready`), 30_000);
  return prometheusUrl;
}
