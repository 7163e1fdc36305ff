import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../apps/api/test/support/built-server.js';
import { QueueRedisServer } from '../../apps/worker/test/support/queue-redis-server.js';
// @ts-expect-error -- a plain .mjs script (run by the Dockerfile), no declaration file
import { runtimeClosure } from '../../scripts/prune-runtime-deps.mjs';

/**
 * The api/worker images' node_modules (infra/docker/node-app.Dockerfile, prod-deps stage: npm ci
 * --omit=dev, then scripts/prune-runtime-deps.mjs). Here the same script prunes a hard-linked copy of
 * this checkout's node_modules (same lockfile, so the same packages at the same paths), and the built
 * API and worker are started from that copy: what the images hold is enough to run, and small.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const MAX_RUNTIME_MB = 150;
/** Dev tooling that optional peer dependencies used to bring into the images, and other build-only packages. */
const NOT_AT_RUNTIME = ['prisma', '@prisma/studio-core', '@prisma/dev', 'typescript', 'effect', '@electric-sql/pglite', 'vite', 'vitest', 'esbuild', '@swc/core', 'eslint', 'react', 'react-dom'];
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const copy = join(root, 'var', `runtime-deps-${process.pid}`);

function materialize(): void {
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(join(copy, 'prisma'), { recursive: true });
  execFileSync('cp', ['-al', join(root, 'node_modules'), copy]); // hard links: seconds, no extra space
  for (const file of ['package.json', 'package-lock.json', 'prisma/schema.prisma']) cpSync(join(root, file), join(copy, file));
  for (const dir of [...readdirSync(join(root, 'libs')).map((l) => `libs/${l}`), 'apps/api', 'apps/worker']) {
    cpSync(join(root, dir, 'package.json'), join(copy, dir, 'package.json'));
    if (existsSync(join(root, dir, 'dist'))) cpSync(join(root, dir, 'dist'), join(copy, dir, 'dist'), { recursive: true });
  }
  execFileSync(process.execPath, [join(root, 'scripts/prune-runtime-deps.mjs'), copy], { stdio: 'ignore', timeout: 60_000 });
}

function start(main: string, env: Record<string, string>): { child: ChildProcess; output: string[] } {
  const child = spawn(process.execPath, [main], { cwd: copy, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  return { child, output };
}

async function answers(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok || Date.now() > deadline) return res;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('runtime node_modules of the api and worker images', () => {
  const children: ChildProcess[] = [];
  let db: TestDatabase;
  const queueRedis = new QueueRedisServer();
  beforeAll(async () => {
    ensureBuilt();
    materialize();
    [db] = await Promise.all([createTestDatabase(), queueRedis.start()]);
  }, 120_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([db?.drop(), queueRedis.stop()]);
    rmSync(copy, { recursive: true, force: true });
  });

  it(`fit in ${MAX_RUNTIME_MB} MB on disk and hold no dev tooling`, () => {
    const kb = Number(execFileSync('du', ['-sk', join(copy, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
    console.log(`runtime node_modules: ${(kb / 1024).toFixed(0)} MB on disk`);
    expect(kb).toBeLessThanOrEqual(MAX_RUNTIME_MB * 1024);
    for (const name of NOT_AT_RUNTIME) expect(existsSync(join(copy, 'node_modules', name)), name).toBe(false);
    expect(readdirSync(join(copy, 'node_modules/@prisma/client/runtime')).filter((f) => /query_compiler_.*(mysql|sqlite|sqlserver|cockroachdb)/.test(f))).toEqual([]);
  });

  it('are what the Dockerfile installs: npm ci --omit=dev, then this prune, in the stage the runtime copies from', () => {
    const dockerfile = readFileSync(join(root, 'infra/docker/node-app.Dockerfile'), 'utf8');
    const prodDeps = dockerfile.split(/^FROM /m).find((stage) => stage.startsWith('${NODE_IMAGE} AS prod-deps')) ?? '';
    expect(prodDeps).toMatch(/^RUN npm ci --omit=dev [^\n]*&& node scripts\/prune-runtime-deps\.mjs/m);
    expect(prodDeps).toContain('COPY scripts/prune-runtime-deps.mjs scripts/');
    expect(prodDeps).toContain('COPY prisma/schema.prisma prisma/');
    expect(dockerfile).toContain('COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules');
  });

  it('keep only packages that npm itself installs with --omit=dev (the script removes, never adds)', () => {
    const production = new Set(
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
        .split('\n')
        .filter(Boolean)
        .map((path) => path.slice(root.length)),
    );
    const kept = [...(runtimeClosure(lock) as Set<string>)].filter((key) => key.startsWith('node_modules/') && !lock.packages[key].link && existsSync(join(root, key)));
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.filter((key) => !production.has(key))).toEqual([]);
  });

  it('are enough to run the built API (Prisma, Swagger UI, argon2) and worker (BullMQ, sharp)', async () => {
    const [apiPort, workerPort] = await Promise.all([freePort(), freePort()]);
    const api = start('apps/api/dist/main.js', {
      PORT: String(apiPort),
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `rd${process.pid}:`,
      JWT_SECRET: 'a8f0c3e91b7d4f62a5e8c0d3b9f1e7a4b6c2d8e0',
      API_DOCS_ENABLED: 'true',
      LOG_LEVEL: 'warn',
    });
    const worker = start('apps/worker/dist/main.js', { WORKER_PORT: String(workerPort), DATABASE_URL: db.url, QUEUE_REDIS_URL: queueRedis.url, LOG_LEVEL: 'warn' });
    children.push(api.child, worker.child);
    const ready = await answers(`http://127.0.0.1:${apiPort}/health/ready`);
    expect(ready.status, api.output.join('')).toBe(200);
    const register = await fetch(`http://127.0.0.1:${apiPort}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username: 'slim', email: 'slim@example.com', password: 'a long enough password' } }),
    });
    expect(register.status, api.output.join('')).toBe(201);
    const token = ((await register.json()) as { user: { token: string } }).user.token;
    const created = await fetch(`http://127.0.0.1:${apiPort}/api/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
      body: JSON.stringify({ article: { title: 'Slim images', description: 'd', body: 'b', tagList: ['ops'] } }),
    });
    expect(created.status, api.output.join('')).toBe(201);
    expect((await fetch(`http://127.0.0.1:${apiPort}/api/docs/swagger-ui.css`)).status).toBe(200);
    expect((await answers(`http://127.0.0.1:${workerPort}/health/live`)).status, worker.output.join('')).toBe(200);
  }, 60_000);
});
