/**
 * Benchmark: the read cache (libs/cache + apps/api/src/cache) against the uncached database path
 * and against a bare Fastify route returning the same bytes from memory (the ceiling), all in the
 * same run on the same machine.
 *
 *   npm run build && npm run bench:cache
 *
 * Steps: migrates and seeds BENCH_DATABASE_URL (default .../conduit_bench_cache) with the
 * deterministic seed at BENCH_SEED_SCALE (default 0.1 = 1,000 users, 5,000 articles), starts the
 * built API (apps/api/dist/main.js) twice as child processes, cache on and cache off, and a bare
 * Fastify server; then runs BENCH_ROUNDS (3) interleaved rounds, each measuring the ceiling and
 * then every scenario with autocannon (BENCH_CONNECTIONS=50, BENCH_SECONDS=5 after a 1 s warm-up).
 * Ratios are taken within a round and their median reported (combineRounds): this box's speed
 * drifts by tens of percent from minute to minute, and a ceiling measured once at the start made
 * the ratios swing with it. Writes bench/results/cache.json and cache.md.
 * Rate limits stay ON, sized up because autocannon is one client (anonymous hits are decided
 * locally between the batched Redis syncs: traffic/batched-window.ts).
 * Bounded: fixed duration per scenario, loopback only, the child processes are always stopped.
 */
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuMicros, startApi, startNode, stop, waitFor } from '../support/bench-process.js';
import { combineRounds, writeReport, type Result } from './cache-report.js';
import { applyMigrations, ensureDatabase, loadTestUsername, planForScale, seedDatabase, SEED_PASSWORD, LOAD_TEST_EMAIL_DOMAIN } from '@conduit/db';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit_bench_cache';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCALE = Number(process.env.BENCH_SEED_SCALE ?? '0.1');
const CONNECTIONS = Math.min(Math.max(Number(process.env.BENCH_CONNECTIONS ?? 50), 1), 500);
const SECONDS = Math.min(Math.max(Number(process.env.BENCH_SECONDS ?? 5), 2), 60);
const ROUNDS = Math.min(Math.max(Number(process.env.BENCH_ROUNDS ?? 3), 1), 9);
const API_PORT = 4120;
const CEILING_PORT = 4121;
const UNCACHED_PORT = 4122;

async function startCachedApi(cacheEnabled: boolean, port: number): Promise<ChildProcess> {
  const { child } = await startApi(root, {
    PORT: String(port),
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
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers }); // warm-up
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

/** One round: the ceiling first, then every scenario against the API with the cache on, then off. */
async function measureRound(servers: Servers, base: { cached: string; uncached: string }, slug: string, auth: Record<string, string>): Promise<Result[]> {
  const list = '/api/articles';
  const article = `/api/articles/${encodeURIComponent(slug)}`;
  return [
    await measure('ceiling (bare Fastify, same bytes)', servers.ceiling, `http://127.0.0.1:${CEILING_PORT}/ceiling`),
    await measure('list, anonymous, cached', servers.cached, `${base.cached}${list}`),
    await measure('article, anonymous, cached', servers.cached, `${base.cached}${article}`),
    await measure('list, signed in, cached', servers.cached, `${base.cached}${list}`, auth),
    await measure('article, signed in, cached', servers.cached, `${base.cached}${article}`, auth),
    await measure('list, anonymous, uncached', servers.uncached, `${base.uncached}${list}`),
    await measure('article, anonymous, uncached', servers.uncached, `${base.uncached}${article}`),
    await measure('list, signed in, uncached', servers.uncached, `${base.uncached}${list}`, auth),
  ];
}

interface Servers {
  cached: ChildProcess;
  uncached: ChildProcess;
  ceiling: ChildProcess;
}

async function main(): Promise<void> {
  await seed();
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  // All three stay up for the whole run (idle while another is measured), so rounds can interleave.
  const base = { cached: `http://127.0.0.1:${API_PORT}`, uncached: `http://127.0.0.1:${UNCACHED_PORT}` };
  const cached = await startCachedApi(true, API_PORT);
  const uncached = await startCachedApi(false, UNCACHED_PORT);
  const auth = await signIn(base.cached);
  const { listBody, slug } = await firstListPage(base.cached);
  const servers: Servers = { cached, uncached, ceiling: await startCeiling(listBody) };
  console.log(`measuring: ${ROUNDS} rounds, ${CONNECTIONS} connections, ${SECONDS} s each (+1 s warm-up), ${os.cpus().length} cores`);
  const rounds: Result[][] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      console.log(`round ${i + 1} of ${ROUNDS}`);
      rounds.push(await measureRound(servers, base, slug, auth));
    }
  } finally {
    await Promise.all(Object.values(servers).map(stop));
  }
  const { results, targets } = combineRounds(rounds);
  await writeReport(results, targets, {
    root,
    connections: CONNECTIONS,
    seconds: SECONDS,
    rounds: ROUNDS,
    seedScale: SCALE,
    listBytes: Buffer.byteLength(listBody),
    loadAverageBefore: loadBefore,
  });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
