import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** host:port and instance_id of each scrape target. */
export type ScrapeTarget = [address: string, instanceId: string];

/** The scrape targets of each job of infra/prometheus/prometheus.yml. */
export interface TwinTargets {
  api: ScrapeTarget[];
  worker: ScrapeTarget[];
  haproxy: ScrapeTarget[];
}

export type ScrapeJob = keyof TwinTargets;

/**
 * Copies the SAME prometheus.yml and rules/ that compose mounts into `dir`, and writes the
 * file_sd targets (targets/*.json) for the twin's local ports next to them. Returns the
 * command-line arguments for Debian's prometheus.
 */
export function preparePrometheus(sourceDir: string, dir: string, targets: TwinTargets, listenPort: number): string[] {
  rmSync(join(dir, 'targets'), { recursive: true, force: true });
  mkdirSync(join(dir, 'targets'), { recursive: true });
  cpSync(join(sourceDir, 'prometheus.yml'), join(dir, 'prometheus.yml'));
  cpSync(join(sourceDir, 'rules'), join(dir, 'rules'), { recursive: true });
  for (const job of ['api', 'worker', 'haproxy'] as const) writeScrapeTargets(dir, job, targets[job]);
  return [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    '--storage.tsdb.retention.time=2d',
    `--web.listen-address=127.0.0.1:${listenPort}`,
    '--web.enable-lifecycle',
  ];
}

/**
 * (Re)writes targets/<job>.json. Prometheus watches file_sd files and reloads them on change, so
 * the file is replaced by a rename: it never reads a half-written list (and would otherwise drop
 * the job's targets until the next change).
 */
export function writeScrapeTargets(dir: string, job: ScrapeJob, list: ScrapeTarget[]): void {
  const file = join(dir, 'targets', `${job}.json`);
  const body = JSON.stringify(
    list.map(([target, id]) => ({ targets: [target], labels: { instance_id: id, stack: 'twin' } })),
    null,
    2,
  );
  writeFileSync(`${file}.tmp`, body);
  renameSync(`${file}.tmp`, file);
}
