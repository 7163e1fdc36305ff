import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { API_MAIN, MIGRATE_CLI, REPO_ROOT } from './paths.js';

const exec = promisify(execFile);

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** HAProxy and redis-server are installed, and the API has been built (builds it when not). */
export async function ensurePrerequisites(log: (line: string) => void): Promise<void> {
  for (const tool of ['haproxy', 'redis-server']) {
    if (!commandExists(tool)) throw new Error(`${tool} is not installed: run scripts/install-system-deps.sh (Debian packages)`);
  }
  if (!existsSync(API_MAIN) || !existsSync(MIGRATE_CLI)) {
    log('building (apps/api/dist missing): npm run build');
    await exec('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  }
}
