/**
 * Benchmark: the read cache (libs/cache + apps/api/src/cache) against the uncached database path
 * and against a bare Fastify route returning the same bytes from memory (the ceiling), all in the
 * same run on the same machine.
 *
 *   npm run build && npm run bench:cache
 *
 * Steps: migrates and seeds BENCH_DATABASE_URL (default .../conduit_bench_cache) with the
 * deterministic seed at BENCH_SEED_SCALE (default 0.1 = 1,000 users, 5,000 articles), starts the
 * built API (apps/api/dist/main.js) as a child process with the cache on, then off, and a bare
 * Fastify server; measures each scenario with autocannon (BENCH_CONNECTIONS=50, BENCH_SECONDS=8,
 * after a 2 s warm-up) and writes bench/results/cache.json and cache.md.
 * Rate limits stay ON (one Redis call per request), sized up because autocannon is one client.
 * Bounded: fixed duration per scenario, loopback only, the child processes are always stopped.
 */
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuMicros, startApi, startNode, stop, waitFor } from '../support/bench-process.js';
import { scoreAgainstCeiling, writeReport, type Result } from './cache-report.js';
import { applyMigrations, ensureDatabase, loadTestUsername, planForScale, seedDatabase, SEED_PASSWORD, LOAD_TEST_EMAIL_DOMAIN } from '@conduit/db';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit_bench_cache';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCALE = Number(process.env.BENCH_SEED_SCALE ?? '0.1');
const CONNECTIONS = Math.min(Math.max(Number(process.env.BENCH_CONNECTIONS ?? 50), 1), 500);
const SECONDS = Math.min(Math.max(Number(process.env.BENCH_SECONDS ?? 8), 2), 60);
const API_PORT = 4120;
const CEILING_PORT = 4121;

async function startCachedApi(cacheEnabled: boolean): Promise<ChildProcess> {
  const { child } = await startApi(root, {
    PORT: String(API_PORT),
    DATABASE_URL,
    REDIS_URL,
    REDIS_KEY_PREFIX: `bench${Date.now().toString(36)}:`,
    CACHE_ENABLED: String(cacheEnabled),
    METRICS_ENABLED: 'true',
  });
  return child;
}

async function measure(name: string, server: ChildProcess, url: string, headers: Record<string, string> = {}): Promise<Result> {
  const path = new URL(url).pathname + new URL(url).search;
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers }); // warm-up
  const cpuBefore = await cpuMicros(server.pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  const cpuAfter = await cpuMicros(server.pid);
  const result: Result = {
    name,
    path,
    requestsPerSec: Math.round(r.requests.average),
    serverCpuUsPerRequest: cpuBefore !== null && cpuAfter !== null && r.requests.total > 0 ? Math.round((cpuAfter - cpuBefore) / r.requests.total) : null,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  console.log(
    `  ${name.padEnd(34)} ${String(result.requestsPerSec).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  server CPU ${result.serverCpuUsPerRequest} us/req${result.non2xx ? `  non-2xx ${result.non2xx}` : ''}`,
  );
  return result;
}

/** Migrates and seeds BENCH_DATABASE_URL at BENCH_SEED_SCALE. */
async function seed(): Promise<void> {
  console.log(`seeding ${DATABASE_URL} (scale ${SCALE}) ...`);
  await ensureDatabase(DATABASE_URL);
  await applyMigrations(DATABASE_URL, `${root}prisma/migrations`);
  await seedDatabase(DATABASE_URL, { plan: planForScale(SCALE), reset: false, log: () => {} });
}

/** The authorization header of the first load-test user. */
async function signIn(base: string): Promise<Record<string, string>> {
  const login = await fetch(`${base}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { email: `${loadTestUsername(1)}@${LOAD_TEST_EMAIL_DOMAIN}`, password: SEED_PASSWORD } }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return { authorization: `Token ${((await login.json()) as { user: { token: string } }).user.token}` };
}

/** The first list page's bytes (the ceiling serves them) and the slug of its first article. */
async function firstListPage(base: string): Promise<{ listBody: string; slug: string }> {
  const listResponse = await fetch(`${base}/api/articles`);
  const listBody = await listResponse.text();
  if (!listResponse.ok) throw new Error(`GET /api/articles: ${listResponse.status} ${listBody}`);
  return { listBody, slug: (JSON.parse(listBody) as { articles: { slug: string }[] }).articles[0].slug };
}

/** The ceiling: bare Fastify, the same list bytes from memory, same content type. */
async function startCeiling(listBody: string): Promise<ChildProcess> {
  const ceiling = startNode(
    root,
    [
      '--input-type=module',
      '-e',
      `
    import Fastify from 'fastify';
    const body = Buffer.from(process.env.CEILING_BODY);
    const app = Fastify();
    app.get('/ceiling', (req, reply) => { reply.type('application/json; charset=utf-8').send(body); });
    await app.listen({ port: ${CEILING_PORT}, host: '127.0.0.1' });
  `,
    ],
    { CEILING_BODY: listBody },
  );
  await waitFor(`http://127.0.0.1:${CEILING_PORT}/ceiling`);
  return ceiling;
}

/** The ceiling first, then every scenario against the API with the cache on, then off. */
async function measureScenarios(api: ChildProcess, ceiling: ChildProcess, base: string, slug: string, auth: Record<string, string>): Promise<Result[]> {
  const listUrl = `${base}/api/articles`;
  const articleUrl = `${base}/api/articles/${encodeURIComponent(slug)}`;
  const results: Result[] = [];
  console.log(`measuring: ${CONNECTIONS} connections, ${SECONDS} s each (+2 s warm-up), ${os.cpus().length} cores`);
  results.push(await measure('ceiling (bare Fastify, same bytes)', ceiling, `http://127.0.0.1:${CEILING_PORT}/ceiling`));
  await stop(ceiling);
  results.push(await measure('list, anonymous, cached', api, listUrl));
  results.push(await measure('article, anonymous, cached', api, articleUrl));
  results.push(await measure('list, signed in, cached', api, listUrl, auth));
  results.push(await measure('article, signed in, cached', api, articleUrl, auth));
  await stop(api);

  const uncached = await startCachedApi(false);
  results.push(await measure('list, anonymous, uncached', uncached, listUrl));
  results.push(await measure('article, anonymous, uncached', uncached, articleUrl));
  results.push(await measure('list, signed in, uncached', uncached, listUrl, auth));
  await stop(uncached);
  return results;
}

async function main(): Promise<void> {
  await seed();
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const api = await startCachedApi(true);
  const base = `http://127.0.0.1:${API_PORT}`;
  const auth = await signIn(base);
  const { listBody, slug } = await firstListPage(base);
  const ceiling = await startCeiling(listBody);
  const results = await measureScenarios(api, ceiling, base, slug, auth);
  const targets = scoreAgainstCeiling(results);
  await writeReport(results, targets, { root, connections: CONNECTIONS, seconds: SECONDS, seedScale: SCALE, listBytes: Buffer.byteLength(listBody), loadAverageBefore: loadBefore });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
