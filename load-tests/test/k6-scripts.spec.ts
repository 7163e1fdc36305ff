// The k6 scripts cannot run here (no k6 binary), so this proves what can be proven without it:
// they typecheck against @types/k6, and they bundle into plain JS for older k6 versions with
// k6's modules left as imports and the options/default/handleSummary exports k6 needs.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs build script without type declarations
import { bundleK6, K6_SCRIPTS } from '../scripts/bundle-k6.mjs';

const run = promisify(execFile);
const loadTests = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('k6 scripts', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it.each([
    ['k6 scripts + shared definition', 'tsconfig.json'],
    ['Node driver + shared definition', 'driver/tsconfig.json'],
  ])(
    '%s typecheck (%s)',
    async (_what, project) => {
      const result = await run(process.execPath, [tsc, '-p', join(loadTests, project)], { cwd: loadTests }).then(
        () => ({ code: 0, out: '' }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
      );
      expect(result.out).toBe('');
      expect(result.code).toBe(0);
    },
    120_000,
  );

  it('bundle to plain JS with k6 modules external and the k6 entry points exported', async () => {
    const out = await mkdtemp(join(tmpdir(), 'k6-bundle-'));
    dirs.push(out);
    const files: string[] = await bundleK6(out);
    expect(files).toHaveLength(K6_SCRIPTS.length);
    for (const name of K6_SCRIPTS as string[]) {
      const js = await readFile(join(out, `${name}.js`), 'utf8');
      expect(js).toMatch(/^import http from "k6\/http";$/m);
      expect(js).toMatch(/^import ws from "k6\/ws";$/m);
      expect(js).toMatch(/^export \{[\s\S]*handleSummary[\s\S]*\};?$/m);
      expect(js).toMatch(/\boptions\b[\s\S]*\bdefault\b|\bdefault\b[\s\S]*\boptions\b/);
      // TypeScript is gone and nothing else is left to resolve at run time.
      expect(js).not.toMatch(/from "\.{1,2}\//);
      expect(js).not.toMatch(/: (string|number|boolean)\b[;,)]/);
      // The shared release gate is in every script.
      expect(js).toContain('http_req_duration');
      expect(js).toContain('chat_delivery_ms');
    }
  }, 60_000);
});
