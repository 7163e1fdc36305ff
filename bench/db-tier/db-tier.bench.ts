/**
 * Benchmark: the database tier. The same mixed read journey through the no-Docker stack (2 API
 * instances behind HAProxy, cache OFF so every read reaches PostgreSQL) in four set-ups:
 * direct, PgBouncer, a streaming replica, PgBouncer + replica. Per set-up: throughput and p99,
 * the primary's CPU per request (all its processes, from /proc), its peak client backends and
 * the app pools' connections.
 *
 *   npm run build && flock /tmp/conduit-heavy.lock npm run bench:db-tier
 *
 * Bounded: its own PostgreSQL 15 cluster (initdb in a temp dir, random port, max_connections 100,
 * wal_level replica), seeded at BENCH_SEED_SCALE (default 0.1); BENCH_SECONDS (default 12) per
 * set-up after a 3 s warm-up, BENCH_CONNECTIONS (default 40); every process is stopped.
 * Writes bench/results/db-tier.json and db-tier.md. One box: the load generator, two API
 * instances, PgBouncer, both PostgreSQL clusters share its two cores.
 */
import autocannon from 'autocannon';
import { applyMigrations, ensureDatabase, planForScale, seedDatabase } from '@conduit/db';
import { startStack, type Stack } from '@conduit/stack';
import { freePort } from '@conduit/testing';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresCluster } from '../../load-tests/resilience/postgres-cluster.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SCALE = Number(process.env.BENCH_SEED_SCALE ?? '0.1');
const SECONDS = Math.min(Math.max(Number(process.env.BENCH_SECONDS ?? 12), 3), 60);
const CONNECTIONS = Math.min(Math.max(Number(process.env.BENCH_CONNECTIONS ?? 40), 1), 200);
const ROUNDS = Math.min(Math.max(Number(process.env.BENCH_ROUNDS ?? 2), 1), 4);
const CLOCK_TICKS = 100;

type JourneyRequest = { method: string; path: string; headers?: Record<string, string> };

interface Setup {
  name: string;
  pgbouncer: boolean;
  replica: boolean;
}
const SETUPS: Setup[] = [
  { name: 'direct', pgbouncer: false, replica: false },
  { name: 'PgBouncer (transaction mode)', pgbouncer: true, replica: false },
  { name: 'read replica', pgbouncer: false, replica: true },
  { name: 'PgBouncer + read replica', pgbouncer: true, replica: true },
];

interface Result {
  setup: string;
  round: number;
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  primaryCpuUsPerRequest: number;
  primaryCpuCores: number;
  primaryPeakBackends: number;
  appPoolConnections: number;
  replicaReadShare: number | null;
}

/** CPU time of every process of a cluster (postmaster, live backends, and exited children). */
async function clusterCpuMicros(dataDir: string): Promise<number> {
  const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      else if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile: counted in the postmaster's cutime
    }
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

/** The journey: lists, an article, its comments, a profile, tags; one in five signed in (feed). */
async function journey(stack: Stack, admin: pg.Client): Promise<JourneyRequest[]> {
  const { rows: articles } = await admin.query<{ slug: string; username: string }>('SELECT a.slug, u.username FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.id LIMIT 20');
  const reader = await fetch(`${stack.urls.lb}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { username: `bench${Date.now()}`, email: `bench${Date.now()}@example.test`, password: 'correct-horse-battery' } }),
    signal: AbortSignal.timeout(15_000),
  });
  const token = ((await reader.json()) as { user: { token: string } }).user.token;
  const requests: JourneyRequest[] = [];
  articles.forEach((a, i) => {
    requests.push({ method: 'GET', path: `/api/articles?limit=10&offset=${i * 3}` });
    requests.push({ method: 'GET', path: `/api/articles/${a.slug}` });
    requests.push({ method: 'GET', path: `/api/articles/${a.slug}/comments` });
    requests.push({ method: 'GET', path: `/api/profiles/${a.username}` });
    requests.push({ method: 'GET', path: '/api/tags' });
    requests.push({ method: 'GET', path: '/api/articles/feed?limit=10', headers: { authorization: `Token ${token}` } });
  });
  return requests;
}

/** The most client backends the primary had on `conduit` while `work` ran (sampled every 200 ms). */
async function peakBackendsDuring<T>(admin: pg.Client, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'conduit' AND backend_type = 'client backend'`);
      peak = Math.max(peak, rows[0].n);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    sampling = false;
    await sampler.catch(() => {});
  }
}

async function measure(setup: Setup, primary: PostgresCluster, databaseUrl: string): Promise<Result> {
  const stack = await startStack({
    instances: 2,
    ports: 'auto',
    databaseUrl,
    migrate: false,
    worker: false,
    prometheus: false,
    web: false,
    pgbouncer: setup.pgbouncer,
    replica: setup.replica,
    env: { CACHE_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000', LOAD_SHED_MIN_CONCURRENCY: '1000' },
    log: () => {},
  });
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${primary.port}/postgres`, query_timeout: 5_000 });
  await admin.connect();
  const data = new pg.Client({ connectionString: databaseUrl, query_timeout: 5_000 });
  await data.connect();
  try {
    const requests = await journey(stack, data);
    await autocannon({ url: stack.urls.lb, connections: CONNECTIONS, duration: 3, requests });
    const replicaReads = () => Promise.all(stack.urls.instances.map((u) => metric(u, /^db_routed_reads_total\{target="replica"[^}]*\} (\d+)/)));
    const allReads = () => Promise.all(stack.urls.instances.map((u) => metric(u, /^db_routed_reads_total\{[^}]*\} (\d+)/)));
    const [readsBefore, allBefore, cpuBefore] = [await replicaReads(), await allReads(), await clusterCpuMicros(primary.dataDir)];
    const started = Date.now();
    const { result: r, peak } = await peakBackendsDuring(admin, autocannon({ url: stack.urls.lb, connections: CONNECTIONS, duration: SECONDS, requests }));
    const cpu = (await clusterCpuMicros(primary.dataDir)) - cpuBefore;
    const elapsed = (Date.now() - started) / 1000;
    const pools = await Promise.all(stack.urls.instances.map((u) => metric(u, /^db_pool_connections\{state="total"\} (\d+)/)));
    const [readsAfter, allAfter] = [await replicaReads(), await allReads()];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const routed = sum(allAfter) - sum(allBefore);
    return {
      setup: setup.name,
      round: 0,
      requests: r.requests.total,
      requestsPerSec: Math.round(r.requests.average),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      primaryCpuUsPerRequest: Math.round(cpu / Math.max(1, r.requests.total)),
      primaryCpuCores: Math.round((cpu / 1e6 / elapsed) * 100) / 100,
      primaryPeakBackends: peak,
      appPoolConnections: sum(pools),
      replicaReadShare: setup.replica && routed > 0 ? Math.round(((sum(readsAfter) - sum(readsBefore)) / routed) * 100) / 100 : null,
    };
  } finally {
    await data.end().catch(() => {});
    await admin.end().catch(() => {});
    await stack.stop();
  }
}

function report(results: Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.setup} | ${r.round} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx + r.errors} | ${r.primaryCpuUsPerRequest} | ${r.primaryCpuCores} | ${r.primaryPeakBackends} | ${r.appPoolConnections} | ${r.replicaReadShare === null ? '-' : `${Math.round(r.replicaReadShare * 100)}%`} |`,
  );
  return `# Database tier: PgBouncer and a read replica (npm run bench:db-tier)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this box (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}).
2 API instances behind HAProxy, cache OFF (every read reaches PostgreSQL), ${CONNECTIONS} autocannon connections, ${SECONDS} s per set-up after a 3 s warm-up, ${ROUNDS} rounds (the second in reverse order),
mixed read journey (lists, article, comments, profile, tags; one request in six is a signed-in feed), seed scale ${SCALE}.
Its own PostgreSQL 15 cluster (max_connections 100, wal_level replica); the replica is a streaming copy on the same box.

| set-up | round | req/s | p50 ms | p99 ms | failed | primary CPU µs/request | primary CPU (cores) | primary client backends (peak) | app pool connections | reads on the replica |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

How to read it:
- **One box, two cores.** The load generator, both API instances, HAProxy, PgBouncer and both PostgreSQL clusters share them, so the replica
  cannot add capacity here: it moves reads off the primary's processes (see "primary CPU") onto other processes on the same cores. On real
  hardware the replica is another machine, and the primary CPU column is the part that scales.
- **Connections.** Direct, PostgreSQL holds one backend per pooled app connection; through PgBouncer it holds at most default_pool_size,
  whatever the app pools hold (infra/test/db-tier/pgbouncer-fleet.e2e.spec.ts shows 10 instances x 10 connections on max_connections 50).
- **PgBouncer costs a hop** (and re-planning: statements go unnamed through PgBouncer 1.18); its point is the connection count, not speed.
- Other helpers may have used the box during this run (\`flock /tmp/conduit-heavy.lock\` serialises the heavy runs, not everything).
`;
}

async function main(): Promise<void> {
  const primary = new PostgresCluster(await freePort());
  primary.init();
  try {
    await primary.start(['wal_level=replica', 'max_wal_senders=5', 'max_connections=100']);
    const databaseUrl = `postgresql://postgres@127.0.0.1:${primary.port}/conduit`;
    await ensureDatabase(databaseUrl);
    await applyMigrations(databaseUrl, join(root, 'prisma/migrations'));
    await seedDatabase(databaseUrl, { plan: planForScale(SCALE) });
    // Each round in the opposite order of the last: a change in the box's other load shows as a
    // difference between the rounds instead of passing for a difference between set-ups.
    const results: Result[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const setup of round % 2 === 1 ? SETUPS : [...SETUPS].reverse()) {
        console.log(`round ${round}: ${setup.name}`);
        results.push({ ...(await measure(setup, primary, databaseUrl)), round });
        console.log(JSON.stringify(results.at(-1)));
      }
    }
    results.sort((a, b) => SETUPS.findIndex((s) => s.name === a.setup) - SETUPS.findIndex((s) => s.name === b.setup) || a.round - b.round);
    await writeFile(join(root, 'bench/results/db-tier.json'), JSON.stringify(results, null, 2) + '\n');
    await writeFile(join(root, 'bench/results/db-tier.md'), report(results));
    console.log(report(results));
  } finally {
    primary.destroy();
  }
}

await main();
