import { cp, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Root files and folders a copy needs to build, migrate, run and test the apps. */
const ROOT_ENTRIES = [
  'package.json',
  '.swcrc',
  '.env.example',
  'tsconfig.base.json',
  'tsconfig.json',
  'vitest.config.ts',
  'prisma.config.ts',
  'eslint.config.js',
  '.prettierrc.json',
  '.prettierignore',
  'scripts',
  'prisma',
];
const SKIP = /\/(node_modules|dist|coverage|var)(\/|$)/;

export interface RepoCopy {
  root: string;
  remove(): Promise<void>;
}

/**
 * A throwaway copy of the repository for tests that change sources (the dev loop's reload, the
 * resource generator): the root config, scripts, prisma/ and every app and library without build
 * output, with node_modules linked rather than copied. Workspace packages (@conduit/*) resolve
 * through that link to this checkout's libraries; the copy's own libs/ are used by its vitest
 * (source aliases), its build and its migration runner.
 */
export async function copyRepository(apps: string[] = ['api', 'worker', 'web']): Promise<RepoCopy> {
  const root = await mkdtemp(join(tmpdir(), 'conduit-copy-'));
  const filter = (source: string) => !SKIP.test(source.slice(REPO_ROOT.length - 1));
  for (const entry of ROOT_ENTRIES) await cp(join(REPO_ROOT, entry), join(root, entry), { recursive: true, filter });
  for (const app of apps) await cp(join(REPO_ROOT, 'apps', app), join(root, 'apps', app), { recursive: true, filter });
  for (const lib of await readdir(join(REPO_ROOT, 'libs'))) await cp(join(REPO_ROOT, 'libs', lib), join(root, 'libs', lib), { recursive: true, filter });
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
