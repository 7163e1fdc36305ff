// Build-time budget: the JavaScript a first visit downloads, gzipped, must stay under the limit.
// Fails the build (exit 1) when it does not, so a heavy dependency cannot slip in unnoticed.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = Number(process.env.WEB_JS_BUDGET_BYTES ?? 200 * 1024);
const dist = new URL('../dist/', import.meta.url).pathname;

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

let totalRaw = 0;
let totalGzip = 0;
const rows = [];
for await (const path of files(dist)) {
  if (!path.endsWith('.js')) continue;
  const bytes = await readFile(path);
  const gz = gzipSync(bytes, { level: 9 }).length;
  totalRaw += bytes.length;
  totalGzip += gz;
  rows.push(`  ${path.slice(dist.length)}  ${(bytes.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip`);
}
if (rows.length === 0) {
  console.error(`bundle budget: no .js files under ${dist} (did the build run?)`);
  process.exit(1);
}
console.log(rows.join('\n'));
const verdict = totalGzip <= BUDGET_BYTES ? 'OK' : 'OVER BUDGET';
console.log(`bundle budget: ${(totalGzip / 1024).toFixed(1)} KB gzip of ${(BUDGET_BYTES / 1024).toFixed(0)} KB (${(totalRaw / 1024).toFixed(1)} KB raw): ${verdict}`);
if (totalGzip > BUDGET_BYTES) process.exit(1);
