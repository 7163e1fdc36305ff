import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository, REPO_ROOT, type RepoCopy } from '../support/repo-copy.js';

const exec = promisify(execFile);
const bin = (name: string) => join(REPO_ROOT, 'node_modules', name);

/**
 * `npm run generate:resource -- bookmark` in a copy of the repository: the generated code builds
 * (SWC), typechecks, passes ESLint and Prettier, and its own unit and e2e tests pass, together
 * with the schema-drift test (the new Prisma model and the new migration agree).
 */
describe('npm run generate:resource', () => {
  let copy: RepoCopy;
  let generated: string[] = [];
  const run = (command: string, args: string[]) => exec(process.execPath, [command, ...args], { cwd: copy.root, env: { ...process.env, NODE_ENV: 'test' }, maxBuffer: 32 * 1024 * 1024 });

  beforeAll(async () => {
    copy = await copyRepository(['api']);
    const { stdout } = await run(bin('tsx/dist/cli.mjs'), ['scripts/generate-resource/generate-resource.cli.ts', 'bookmark']);
    generated = [...stdout.matchAll(/^ {2}(\S+\.(?:ts|sql|prisma))$/gm)].map((m) => m[1]);
  }, 60_000);
  afterAll(() => copy?.remove());

  it('writes the resource, its model and migration, and wires the module', async () => {
    expect(generated).toEqual(
      expect.arrayContaining([
        'apps/api/src/bookmarks/bookmarks.controller.ts',
        'apps/api/src/bookmarks/bookmark.repository.ts',
        'apps/api/test/bookmarks/bookmarks.e2e.spec.ts',
        'prisma/schema.prisma',
        'apps/api/src/app.module.ts',
      ]),
    );
    expect(await readFile(join(copy.root, 'apps/api/src/app.module.ts'), 'utf8')).toMatch(/BookmarksModule,\n\s*\],/);
    const migration = generated.find((f) => f.endsWith('_bookmarks/migration.sql'))!;
    expect(await readFile(join(copy.root, migration), 'utf8')).toContain('CREATE INDEX "bookmarks_by_author_newest_idx" ON "bookmarks"("author_id", "created_at" DESC, "id" DESC)');
    await expect(run(bin('tsx/dist/cli.mjs'), ['scripts/generate-resource/generate-resource.cli.ts', 'bookmark'])).rejects.toThrow(/already exists/);
  });

  it('builds with SWC, typechecks, and passes ESLint and Prettier', async () => {
    await run('scripts/build.mjs', ['apps/api']);
    const sources = generated.filter((f) => f.endsWith('.ts'));
    await writeFile(join(copy.root, 'tsconfig.generated.json'), JSON.stringify({ extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, files: sources }));
    await run(bin('typescript/bin/tsc'), ['-p', 'tsconfig.generated.json']);
    await run(bin('eslint/bin/eslint.js'), ['--max-warnings', '0', ...sources]);
    await run(bin('prettier/bin/prettier.cjs'), ['--check', ...sources]);
  }, 90_000);

  it('passes its own unit and e2e tests and the schema-drift test', async () => {
    const tests = ['apps/api/src/bookmarks', 'apps/api/test/bookmarks', 'apps/api/test/db/schema-drift.spec.ts'];
    await run(bin('vitest/vitest.mjs'), ['run', ...tests]).catch((error) => {
      throw new Error(`generated tests failed:\n${error.stdout}\n${error.stderr}`);
    });
    // The copy's vitest.config.ts writes a JSON report (as .ci/run reads it).
    const report = JSON.parse(await readFile(join(copy.root, 'var/test-results.json'), 'utf8')) as { numPassedTests: number; numFailedTests: number };
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBeGreaterThanOrEqual(9);
  }, 120_000);
});
