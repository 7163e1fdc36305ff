// Bundles each k6 script (TypeScript + the shared definition) into one plain-JS file for k6
// versions older than 0.57, which cannot run .ts:  npm run loadtest:bundle
//   -> load-tests/dist/k6/{smoke,load,stress,spike,soak}.js ; then: k6 run load-tests/dist/k6/load.js
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const K6_SCRIPTS = ['smoke', 'load', 'stress', 'spike', 'soak'];
const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles into outdir; returns the written files. */
export async function bundleK6(outdir = `${root}dist/k6`) {
  const result = await build({
    entryPoints: K6_SCRIPTS.map((s) => `${root}k6/${s}.ts`),
    outdir,
    bundle: true,
    format: 'esm',
    // Old k6 (goja) understands ES2015 modules; newer syntax is lowered.
    target: 'es2017',
    platform: 'neutral',
    // k6's built-in modules are provided by the k6 runtime.
    external: ['k6', 'k6/*'],
    logLevel: 'silent',
    metafile: true,
  });
  return Object.keys(result.metafile.outputs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await bundleK6(process.argv[2]);
  for (const f of files) console.log(`bundled ${f}`);
}
