// Builds every workspace (libs/* and apps/*) from src/ to dist/ with SWC.
// SWC keeps decorator metadata (NestJS DI needs it) and is ~50x faster than tsc;
// type checking is a separate step (`npm run typecheck`).
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

async function buildWorkspace(dir) {
  const src = join(dir, 'src');
  const out = join(dir, 'dist');
  await rm(out, { recursive: true, force: true });
  let count = 0;
  for await (const file of tsFiles(src)) {
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, { ...swcrc, swcrc: false, filename: file, sourceFileName: relative(dirname(target), file) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    count++;
  }
  return count;
}

const only = process.argv.slice(2);
for (const group of ['libs', 'apps']) {
  for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'web') continue;
    const dir = join(root, group, entry.name);
    if (only.length && !only.includes(`${group}/${entry.name}`)) continue;
    try {
      await readdir(join(dir, 'src'));
    } catch {
      continue;
    }
    const n = await buildWorkspace(dir);
    console.log(`built ${group}/${entry.name} (${n} files)`);
  }
}
