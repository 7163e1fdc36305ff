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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { applyMigrations, ensureDatabase, loadTestUsername, planForScale, seedDatabase, SEED_PASSWORD, LOAD_TEST_EMAIL_DOMAIN } from '@conduit/db';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit_bench_cache';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCALE = Number(process.env.BENCH_SEED_SCALE ?? '0.1');
const CONNECTIONS = Math.min(Math.max(Number(process.env.BENCH_CONNECTIONS ?? 50), 1), 500);
const SECONDS = Math.min(Math.max(Number(process.env.BENCH_SECONDS ?? 8), 2), 60);
const API_PORT = 4120;
const CEILING_PORT = 4121;
const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Result {
  name: string;
  path: string;
  requestsPerSec: number;
  /** Server CPU (user+system) per request: stable even when other work shares the cores. */
  serverCpuUsPerRequest: number | null;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  ratioOfCeiling?: number;
  cpuRatioOfCeiling?: number | null;
}

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function startApi(cacheEnabled: boolean): Promise<ChildProcess> {
  const child = start(['--enable-source-maps', 'apps/api/dist/main.js'], {
    NODE_ENV: 'production',
    PORT: String(API_PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL,
    REDIS_URL,
    REDIS_KEY_PREFIX: `bench${Date.now().toString(36)}:`,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    CACHE_ENABLED: String(cacheEnabled),
    RATE_LIMIT_MAX: '10000000',
    RATE_LIMIT_LOGIN_MAX: '1000',
    // Admission control is not what this measures (and this box is shared): keep it out of the way.
    LOAD_SHED_MAX_IN_FLIGHT: '10000',
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '10000',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    METRICS_ENABLED: 'true',
  });
  await waitFor(`http://127.0.0.1:${API_PORT}/health/live`);
  return child;
}

/** CPU time (user + system) a process has used, in microseconds (Linux /proc; null elsewhere). */
async function cpuMicros(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
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
  console.log(`  ${name.padEnd(34)} ${String(result.requestsPerSec).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  server CPU ${result.serverCpuUsPerRequest} us/req${result.non2xx ? `  non-2xx ${result.non2xx}` : ''}`);
  return result;
}

async function main(): Promise<void> {
  console.log(`seeding ${DATABASE_URL} (scale ${SCALE}) ...`);
  await ensureDatabase(DATABASE_URL);
  await applyMigrations(DATABASE_URL, `${root}prisma/migrations`);
  await seedDatabase(DATABASE_URL, { plan: planForScale(SCALE), reset: false, log: () => {} });

  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  let api = await startApi(true);
  const base = `http://127.0.0.1:${API_PORT}`;
  const login = await fetch(`${base}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { email: `${loadTestUsername(1)}@${LOAD_TEST_EMAIL_DOMAIN}`, password: SEED_PASSWORD } }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const auth = { authorization: `Token ${((await login.json()) as { user: { token: string } }).user.token}` };
  const listResponse = await fetch(`${base}/api/articles`);
  const listBody = await listResponse.text();
  if (!listResponse.ok) throw new Error(`GET /api/articles: ${listResponse.status} ${listBody}`);
  const slug = (JSON.parse(listBody) as { articles: { slug: string }[] }).articles[0].slug;
  const listUrl = `${base}/api/articles`;
  const articleUrl = `${base}/api/articles/${encodeURIComponent(slug)}`;

  // The ceiling: bare Fastify, the same list bytes from memory, same content type.
  const ceiling = start(['--input-type=module', '-e', `
    import Fastify from 'fastify';
    const body = Buffer.from(process.env.CEILING_BODY);
    const app = Fastify();
    app.get('/ceiling', (req, reply) => { reply.type('application/json; charset=utf-8').send(body); });
    await app.listen({ port: ${CEILING_PORT}, host: '127.0.0.1' });
  `], { CEILING_BODY: listBody });
  await waitFor(`http://127.0.0.1:${CEILING_PORT}/ceiling`);

  const results: Result[] = [];
  console.log(`measuring: ${CONNECTIONS} connections, ${SECONDS} s each (+2 s warm-up), ${os.cpus().length} cores`);
  results.push(await measure('ceiling (bare Fastify, same bytes)', ceiling, `http://127.0.0.1:${CEILING_PORT}/ceiling`));
  await stop(ceiling);
  results.push(await measure('list, anonymous, cached', api, listUrl));
  results.push(await measure('article, anonymous, cached', api, articleUrl));
  results.push(await measure('list, signed in, cached', api, listUrl, auth));
  results.push(await measure('article, signed in, cached', api, articleUrl, auth));
  await stop(api);

  api = await startApi(false);
  results.push(await measure('list, anonymous, uncached', api, listUrl));
  results.push(await measure('article, anonymous, uncached', api, articleUrl));
  results.push(await measure('list, signed in, uncached', api, listUrl, auth));
  await stop(api);

  const ceilingRps = results[0].requestsPerSec;
  const ceilingCpu = results[0].serverCpuUsPerRequest;
  for (const r of results) {
    r.ratioOfCeiling = Math.round((r.requestsPerSec / ceilingRps) * 1000) / 1000;
    // The same ratio in server CPU terms (ceiling CPU per request / this CPU per request).
    r.cpuRatioOfCeiling = ceilingCpu && r.serverCpuUsPerRequest ? Math.round((ceilingCpu / r.serverCpuUsPerRequest) * 1000) / 1000 : null;
  }
  const by = (name: string) => results.find((r) => r.name === name)!;
  const speedup = (a: string, b: string) => Math.round((by(a).requestsPerSec / by(b).requestsPerSec) * 10) / 10;
  const targets = [
    { target: 'cached anonymous list >= 40% of ceiling', value: by('list, anonymous, cached').ratioOfCeiling!, pass: by('list, anonymous, cached').ratioOfCeiling! >= 0.4 },
    { target: 'cached anonymous list >= 5x uncached', value: speedup('list, anonymous, cached', 'list, anonymous, uncached'), pass: speedup('list, anonymous, cached', 'list, anonymous, uncached') >= 5 },
    { target: 'cached anonymous article >= 5x uncached', value: speedup('article, anonymous, cached', 'article, anonymous, uncached'), pass: speedup('article, anonymous, cached', 'article, anonymous, uncached') >= 5 },
    { target: 'signed-in cached list >= 25% of ceiling', value: by('list, signed in, cached').ratioOfCeiling!, pass: by('list, signed in, cached').ratioOfCeiling! >= 0.25 },
  ];
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  const report = {
    date: new Date().toISOString(),
    machine,
    setup: {
      connections: CONNECTIONS,
      seconds: SECONDS,
      seedScale: SCALE,
      listBytes: Buffer.byteLength(listBody),
      loadAverageBefore: loadBefore,
      loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'autocannon and the server share the same cores (and any other work on the box: see load averages); rate limits on',
    },
    results,
    targets,
  };

  console.log('\nresults (ratio = req/s / ceiling req/s):');
  console.table(results.map((r) => ({ scenario: r.name, 'req/s': r.requestsPerSec, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms, ratio: r.ratioOfCeiling, 'cpu us/req': r.serverCpuUsPerRequest, 'cpu ratio': r.cpuRatioOfCeiling, non2xx: r.non2xx })));
  for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value}`);

  const md = [
    `# Read cache benchmark (${report.date})`,
    '',
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. autocannon ${CONNECTIONS} connections, ${SECONDS} s per scenario, on the same cores as the server. Seed scale ${SCALE}; list body ${report.setup.listBytes} bytes (20 articles). Command: \`npm run build && npm run bench:cache\`.`,
    '',
    `Load average before/after: ${report.setup.loadAverageBefore.join(', ')} / ${report.setup.loadAverageAfter.join(', ')} (anything above ~2 means other work shared the cores; the CPU columns are robust to it).`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio of ceiling (req/s) | server CPU us/req | ratio of ceiling (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratioOfCeiling} | ${r.serverCpuUsPerRequest} | ${r.cpuRatioOfCeiling} |`),
    '',
    '| target | measured | |',
    '|---|---:|---|',
    ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? 'pass' : 'MISS'} |`),
    '',
  ].join('\n');
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/cache.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${root}bench/results/cache.md`, md);
  console.log('\nwrote bench/results/cache.json and bench/results/cache.md');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
