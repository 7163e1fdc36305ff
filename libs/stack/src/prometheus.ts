import { join } from 'node:path';
import { PROMETHEUS_DIR } from './paths.js';
import { commandExists } from './prerequisites.js';
import { preparePrometheus, writeScrapeTargets, type ScrapeJob, type ScrapeTarget } from './prometheus-config.js';
import type { InstanceHandle, StackContext } from './types.js';
import { httpOk, waitFor } from './wait-for.js';

/** The running Prometheus: its URL, and its file_sd target lists (the autoscaler rewrites them). */
export interface StackPrometheus {
  url: string;
  setTargets(job: ScrapeJob, targets: ScrapeTarget[]): void;
}

/**
 * Prometheus (when installed and not switched off) with the same prometheus.yml and rules as
 * compose, its targets generated for the local ports.
 */
export async function startPrometheus(ctx: StackContext, instances: InstanceHandle[], withWorker: boolean): Promise<StackPrometheus | undefined> {
  if (ctx.options.prometheus === false || !commandExists('prometheus')) return undefined;
  const { ports } = ctx;
  const targets = {
    api: instances.map((h): ScrapeTarget => [`127.0.0.1:${h.port}`, h.id]),
    worker: withWorker ? [[`127.0.0.1:${ports.worker}`, 'worker-1'] as ScrapeTarget] : [],
    haproxy: [[`127.0.0.1:${ports.lbStats}`, 'haproxy'] as ScrapeTarget],
  };
  const dir = join(ctx.runDir, 'prometheus');
  const args = preparePrometheus(PROMETHEUS_DIR, dir, targets, ports.prometheus);
  ctx.processes.spawn('prometheus', 'prometheus', args, ctx.systemEnv, true).start();
  const url = `http://127.0.0.1:${ports.prometheus}`;
  await waitFor('prometheus ready', httpOk(`${url}/-/ready`), 30_000);
  return { url, setTargets: (job, list) => writeScrapeTargets(dir, job, list) };
}
