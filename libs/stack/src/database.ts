import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { MIGRATE_CLI, REPO_ROOT, SEED_CLI } from './paths.js';
import type { StackContext } from './types.js';

const exec = promisify(execFile);

/** Migrates (idempotent, unless migrate: false) and seeds (idempotent, when asked) the database. */
export async function prepareDatabase(ctx: StackContext): Promise<void> {
  const { options, databaseUrl, log } = ctx;
  const env = { ...ctx.systemEnv, DATABASE_URL: databaseUrl };
  if (options.migrate !== false) {
    log(`migrating ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    await exec(process.execPath, [MIGRATE_CLI], { cwd: REPO_ROOT, env });
  }
  if (options.seed && existsSync(SEED_CLI)) {
    const scale = typeof options.seed === 'number' ? options.seed : 1;
    log(`seeding (scale ${scale}; skipped when already seeded)`);
    const { stdout } = await exec(process.execPath, [SEED_CLI, `--scale=${scale}`], { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    log(stdout.trim().split('\n').slice(-2).join('\n'));
  }
}
