// Prunes an `npm ci --omit=dev` node_modules down to what the API and the worker load at run time
// (infra/docker/node-app.Dockerfile, prod-deps stage):   node scripts/prune-runtime-deps.mjs [appDir]
//
// Why: npm keeps "devOptional" packages under --omit=dev. A production package's *optional* peer
// (@prisma/client -> prisma, typescript) that is also a devDependency of the root is kept, and with it
// the Prisma CLI, Prisma Studio, TypeScript, effect, pglite... (~250 MB). --omit=optional would also
// drop sharp's and argon2's native binaries, and --omit=peer does not apply (they are not marked peer).
// So the runtime closure is computed from package-lock.json: from the root's and every workspace's
// dependencies (the web app's excepted: it ships as static files), following dependencies, optional
// dependencies and non-optional peers, resolved as Node resolves them. Everything else is removed, plus
// Prisma's query compilers for the databases schema.prisma does not use and TypeScript declaration
// files (never loaded at run time). Source maps stay: --enable-source-maps uses them in stack traces.
// Checked by infra/test/runtime-deps.spec.ts (size budget, no dev tooling, the pruned tree boots).
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Workspaces that run in the api/worker images (all but the web app, which ships as static files). */
export const RUNTIME_WORKSPACES = (workspace) => workspace !== 'apps/web';

/** Lockfile keys ("node_modules/a", "node_modules/a/node_modules/b", "libs/db") of the runtime closure. */
export function runtimeClosure(lock) {
  const packages = lock.packages;
  const keep = new Set();
  const resolve = (from, name) => {
    // Node's lookup: from/node_modules/name, then each parent's node_modules, then the top.
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
  };
  const visit = (key) => {
    if (keep.has(key)) return;
    keep.add(key);
    const entry = packages[key];
    if (entry.link) return visit(entry.resolved);
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional),
    ];
    for (const name of names) {
      const target = resolve(key, name);
      if (target) visit(target); // an optional dependency for another platform is absent: fine
    }
  };
  const root = packages[''];
  for (const name of [...Object.keys(root.dependencies ?? {}), ...Object.keys(root.optionalDependencies ?? {})]) {
    const target = resolve('', name);
    if (target) visit(target);
  }
  for (const [key, entry] of Object.entries(packages)) {
    if (key.startsWith('node_modules/') && entry.link && RUNTIME_WORKSPACES(entry.resolved)) visit(key);
  }
  return keep;
}

/** The datasource provider of prisma/schema.prisma (postgresql here). */
export function prismaProvider(schemaText) {
  const datasource = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schemaText)?.[1] ?? '';
  return /provider\s*=\s*"(\w+)"/.exec(datasource)?.[1];
}

/** Removes what is outside the closure; returns the removed lockfile keys and Prisma runtime files. */
export function pruneRuntimeDeps(appDir) {
  const lock = JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8'));
  const keep = runtimeClosure(lock);
  const removed = [];
  // Deepest first, so a nested package is gone before its parent is looked at.
  const keys = Object.keys(lock.packages)
    .filter((key) => key.startsWith('node_modules/') && !keep.has(key))
    .sort((a, b) => b.length - a.length);
  for (const key of keys) {
    const path = join(appDir, ...key.split('/'));
    if (!existsSync(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(key);
  }
  const provider = prismaProvider(readFileSync(join(appDir, 'prisma/schema.prisma'), 'utf8'));
  const runtime = join(appDir, 'node_modules/@prisma/client/runtime');
  if (provider && existsSync(runtime)) {
    for (const file of readdirSync(runtime)) {
      const compiler = /^query_compiler_\w+_bg\.(\w+)\./.exec(file);
      if (compiler && compiler[1] !== provider) {
        rmSync(join(runtime, file));
        removed.push(posix.join('node_modules/@prisma/client/runtime', file));
      }
    }
  }
  removeDeclarationsAndEmptyScopes(join(appDir, 'node_modules'), removed);
  return removed;
}

const DECLARATION = /\.d\.[cm]?ts$/;

function removeDeclarationsAndEmptyScopes(dir, removed) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removeDeclarationsAndEmptyScopes(path, removed);
      if (entry.name.startsWith('@') && readdirSync(path).length === 0) rmdirSync(path);
    } else if (entry.isFile() && DECLARATION.test(entry.name)) {
      rmSync(path);
      removed.push(path);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const appDir = process.argv[2] ?? process.cwd();
  const removed = pruneRuntimeDeps(appDir);
  console.log(`prune-runtime-deps: removed ${removed.length} packages and files outside the api/worker runtime closure`);
}
