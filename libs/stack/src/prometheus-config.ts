import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** host:port and instance_id of each scrape target, per job of infra/prometheus/prometheus.yml. */
export interface TwinTargets {
  api: Array<[string, string]>;
  worker: Array<[string, string]>;
  haproxy: Array<[string, string]>;
}

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
  const json = (list: Array<[string, string]>) =>
    JSON.stringify(
      list.map(([target, id]) => ({ targets: [target], labels: { instance_id: id, stack: 'twin' } })),
      null,
      2,
    );
  for (const job of ['api', 'worker', 'haproxy'] as const) writeFileSync(join(dir, 'targets', `${job}.json`), json(targets[job]));
  return [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    '--storage.tsdb.retention.time=2d',
    `--web.listen-address=127.0.0.1:${listenPort}`,
    '--web.enable-lifecycle',
  ];
}
