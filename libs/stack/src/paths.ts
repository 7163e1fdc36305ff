import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// libs/stack/src and libs/stack/dist are both three levels below the repository root.
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const repoPath = (...parts: string[]) => join(REPO_ROOT, ...parts);

export const HAPROXY_CONFIG = repoPath('infra/haproxy/haproxy.cfg');
export const PROMETHEUS_DIR = repoPath('infra/prometheus');
export const API_MAIN = repoPath('apps/api/dist/main.js');
export const WORKER_MAIN = repoPath('apps/worker/dist/main.js');
export const MIGRATE_CLI = repoPath('libs/db/dist/migrate.cli.js');
export const SEED_CLI = repoPath('libs/db/dist/seed.cli.js');
export const WEB_DIST = repoPath('apps/web/dist');
