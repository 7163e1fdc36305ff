/**
 * Benchmark: read cost against data size. Every hot endpoint at 50k articles and at 1M articles
 * of the lived-in seed profile (the same skew at both sizes), with the read cache disabled and
 * enabled, in the same run on the same machine.
 *
 *   npm run build && npm run bench:growth
 *
 * Steps, per size: migrate and seed (skipped when already seeded) GROWTH_DB_SMALL /
 * GROWTH_DB_LARGE (default conduit_livedin_50k and conduit_livedin_1m), pick the fixed choices
 * (comparable across sizes: same tag by popularity rank and life, the reader of 2,000 authors,
 * the most prolific author, ...), start the built API as a child process with the cache off,
 * then on, and send GROWTH_REQUESTS (default 600) sequential requests per endpoint after 20
 * warm-up ones, alternating between the sizes request by request (same box load for both). Per endpoint: p50/p99, API CPU per request (/proc of the API process) and
 * PostgreSQL buffers per request (blks_hit + blks_read of the database in pg_stat_database,
 * read after the backends flushed their counters; a short run subtracted, see measureAll).
 * Verdict: every endpoint's uncached p99 and buffers per request at 1M within 1.5x of 50k ->
 * PASS, else FAIL with the worst ratio. Results: bench/results/growth.md and growth.json.
 * Bounded: fixed request counts, loopback only, child processes always stopped.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyMigrations, ensureDatabase, livedInTags, planForProfile, SEED_PASSWORD, seedDatabase, type SeedPlan } from '@conduit/db';
import { livedInChoices, type LivedInChoices } from '@conduit/testing';
import { cpuMicros, otherCpuShare, percentile, startApi, stop } from '../support/bench-process.js';
import { writeGrowthReport, type Measured, type Row } from './growth-report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASE = 'postgresql://postgres@127.0.0.1:5432/';
const SIZES = [
  { label: '50k', url: process.env.GROWTH_DB_SMALL ?? `${BASE}conduit_livedin_50k`, scale: 0.05 },
  { label: '1M', url: process.env.GROWTH_DB_LARGE ?? `${BASE}conduit_livedin_1m`, scale: Number(process.env.GROWTH_LARGE_SCALE ?? '1') },
];
const REQUESTS = Math.min(Math.max(Number(process.env.GROWTH_REQUESTS ?? 600), 100), 5_000);
const WARMUP = 20;
/** The short run whose buffers are subtracted from the measured run's (see measureAll). */
const SHORT_RUN = 50;

interface Endpoint {
  /** Row label, the same at both sizes. */
  key: string;
  /** With the size's own choice (tag name, ...). */
  name: string;
  path: string;
  /** Who asks: anonymous, the reader of thousands, or an ordinary reader. */
  as: 'anonymous' | 'heavyReader' | 'reader';
}

interface Choices extends LivedInChoices {
  rareTag: string;
  commentedSlug: string;
  heavyReaderEmail: string;
  readerEmail: string;
}

/** Fixed choices, defined by rank and kind so they are comparable across sizes. */
async function choices(client: pg.Client, plan: SeedPlan): Promise<Choices> {
  const one = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => (await client.query<T>(sql, values)).rows[0];
  return {
    ...(await livedInChoices(client, livedInTags(plan))),
    // The least used tag that still fills a page (the rarest tag's page is smaller at 50k than at 1M).
    rareTag: (
      await one<{ name: string }>(`SELECT t.name FROM tags t JOIN (SELECT tag_id, sum(articles_count) AS n FROM tag_article_counts GROUP BY tag_id) c ON c.tag_id = t.id
      WHERE c.n >= 20 ORDER BY c.n, t.id LIMIT 1`)
    ).name,
    // An article with about 100 comments (the fewest at or above 100): present at both sizes.
    commentedSlug: (
      await one<{ slug: string }>('SELECT a.slug FROM articles a WHERE a.id = (SELECT article_id FROM comments GROUP BY article_id HAVING count(*) >= 100 ORDER BY count(*), article_id LIMIT 1)')
    ).slug,
    // The seed's heavy readers are the last user ids (2,000 followed authors at both sizes).
    heavyReaderEmail: (await one<{ email: string }>('SELECT email FROM users WHERE id = $1', [plan.users])).email,
    // An ordinary reader: the first user who follows exactly 15 authors (a typical following at both sizes).
    readerEmail: (await one<{ email: string }>('SELECT u.email FROM users u WHERE u.id = (SELECT follower_id FROM follows GROUP BY follower_id HAVING count(*) = 15 ORDER BY follower_id LIMIT 1)'))
      .email,
  };
}

function endpoints(c: Choices): Endpoint[] {
  const e = (name: string, path: string, as: Endpoint['as'] = 'anonymous'): Endpoint => ({ key: name.replace(/ \([a-z-]+\)$/, ''), name, path, as });
  const enc = encodeURIComponent;
  return [
    e('list (global)', '/api/articles'),
    e('list (global, offset 10000)', '/api/articles?offset=10000'),
    e(`list ?tag= popular (${c.popularTag})`, `/api/articles?tag=${enc(c.popularTag)}`),
    e(`list ?tag= fading (${c.fadingTag})`, `/api/articles?tag=${enc(c.fadingTag)}`),
    e('list ?tag= rare (least used with a full page)', `/api/articles?tag=${enc(c.rareTag)}`),
    e(`list ?tag= empty (${c.emptyTag})`, `/api/articles?tag=${enc(c.emptyTag)}`),
    e(`list ?tag= hot new (${c.hotTag})`, `/api/articles?tag=${enc(c.hotTag)}`),
    e(`list ?tag= popular, offset 10000`, `/api/articles?tag=${enc(c.popularTag)}&offset=10000`),
    e('list ?author= most prolific', `/api/articles?author=${enc(c.prolificAuthor)}`),
    e('list ?favorited= heaviest', `/api/articles?favorited=${enc(c.heavyFavoriter)}`),
    e('article', `/api/articles/${c.slug}`),
    e('comments of an article with ~100', `/api/articles/${c.commentedSlug}/comments`),
    e('profile (most prolific)', `/api/profiles/${enc(c.prolificAuthor)}`),
    e('tags', '/api/tags'),
    e('signed in: list (global)', '/api/articles', 'reader'),
    e(`signed in: list ?tag= popular`, `/api/articles?tag=${enc(c.popularTag)}`, 'reader'),
    e('signed in: list ?author= most prolific', `/api/articles?author=${enc(c.prolificAuthor)}`, 'reader'),
    e('signed in: article', `/api/articles/${c.slug}`, 'reader'),
    e('feed: reader of 2,000 authors', '/api/articles/feed', 'heavyReader'),
    e('feed: reader of 15 authors', '/api/articles/feed', 'reader'),
  ];
}

/**
 * blks_hit + blks_read per database, exactly: PostgreSQL 15 flushes a backend's counters to
 * pg_stat_database only now and then (up to 10 s after a burst), but always when it exits. So
 * the databases' backends (the API's pooled connections; the pool reconnects on the next
 * request) are ended first, and the counters read once they are gone. Read from another
 * database, so the reads themselves are not counted.
 */
async function settledBlocks(admin: pg.Client, databases: string[]): Promise<Map<string, number>> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()', [databases]);
  for (let i = 0; i < 50; i++) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ANY($1)', [databases]);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 200));
  const { rows } = await admin.query<{ datname: string; n: string }>('SELECT datname, blks_hit + blks_read AS n FROM pg_stat_database WHERE datname = ANY($1)', [databases]);
  return new Map(rows.map((r) => [r.datname, Number(r.n)]));
}

/** One request: its latency (the body read included); anything but a 200 stops the run. */
async function timedRequest(target: Target, endpoint: Endpoint): Promise<number> {
  const token = target.tokens[endpoint.as];
  const t = performance.now();
  const res = await fetch(target.base + endpoint.path, { headers: token ? { authorization: `Token ${token}` } : {} });
  if (res.status !== 200) throw new Error(`${endpoint.path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - t;
}

/**
 * Sequential requests, the sizes interleaved request by request (50k, 1M, 1M, 50k, ...): whatever
 * else the box does during the run lands on both sizes alike, so the ratio measures the data and
 * not the moment. Latency per request without queueing; CPU of each API process.
 */
async function runInterleaved(targets: Target[], endpointsBySize: Map<string, Endpoint>, count: number): Promise<Map<string, { times: number[]; again: number[]; cpuUs: number | null }>> {
  const cpuBefore = await Promise.all(targets.map((t) => cpuMicros(t.pid)));
  const times = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  const again = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (let i = 0; i < count; i++) {
    for (const target of i % 2 === 0 ? targets : [...targets].reverse()) {
      const endpoint = endpointsBySize.get(target.label) as Endpoint;
      (times.get(target.label) as number[]).push(await timedRequest(target, endpoint));
      // The same request again, right after: a second, independent series on the same data. A
      // stall of the box inflates one series' p99 and not the other's; growth in the data shows
      // in both (see REQUESTS_PER_ROUND and the report's p99 rule).
      (again.get(target.label) as number[]).push(await timedRequest(target, endpoint));
    }
  }
  const cpuAfter = await Promise.all(targets.map((t) => cpuMicros(t.pid)));
  return new Map(
    targets.map((t, i) => {
      const [before, after] = [cpuBefore[i], cpuAfter[i]];
      const cpuUs = before !== null && after !== null ? Math.round((after - before) / (count * REQUESTS_PER_ROUND)) : null;
      return [t.label, { times: times.get(t.label) as number[], again: again.get(t.label) as number[], cpuUs }];
    }),
  );
}

/** Each round sends every endpoint request twice (the measured series and its repeat). */
const REQUESTS_PER_ROUND = 2;

interface Target {
  label: string;
  database: string;
  base: string;
  pid?: number;
  tokens: Record<Endpoint['as'], string | undefined>;
  stop: () => Promise<void>;
}

/**
 * One endpoint on every size, interleaved request by request. Buffers per request are taken as a
 * difference of two runs, a short one and the measured one, each between settled counters
 * (backends ended): ending the backends costs every run the same reconnection and catalog-cache
 * loading (tens of buffers per request at a few hundred requests), which the difference cancels.
 */
async function measureAll(targets: Target[], endpointsBySize: Map<string, Endpoint>, admin: pg.Client): Promise<Record<string, Measured>> {
  await runInterleaved(targets, endpointsBySize, WARMUP);
  const databases = targets.map((t) => t.database);
  const start = await settledBlocks(admin, databases);
  await runInterleaved(targets, endpointsBySize, SHORT_RUN);
  const afterShort = await settledBlocks(admin, databases);
  const runs = await runInterleaved(targets, endpointsBySize, REQUESTS);
  const afterLong = await settledBlocks(admin, databases);
  const blocks = (counters: Map<string, number>, database: string) => counters.get(database) ?? 0;
  const out: Record<string, Measured> = {};
  for (const target of targets) {
    const r = runs.get(target.label) as { times: number[]; again: number[]; cpuUs: number | null };
    const short = blocks(afterShort, target.database) - blocks(start, target.database);
    const long = blocks(afterLong, target.database) - blocks(afterShort, target.database);
    const perRequest = Math.max(0, (long - short) / ((REQUESTS - SHORT_RUN) * REQUESTS_PER_ROUND));
    out[target.label] = {
      p50Ms: percentile([...r.times, ...r.again], 0.5),
      p99Ms: percentile(r.times, 0.99),
      p99AgainMs: percentile(r.again, 0.99),
      cpuUsPerRequest: r.cpuUs,
      buffersPerRequest: Math.round(perRequest * 10) / 10,
    };
  }
  return out;
}

async function login(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/api/users/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: { email, password: SEED_PASSWORD } }) });
  if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
  return ((await res.json()) as { user: { token: string } }).user.token;
}

async function main(): Promise<void> {
  const rows = new Map<string, Row>();
  const seeding: Record<string, string> = {};
  const admin = new pg.Client({ connectionString: `${BASE}postgres` });
  await admin.connect();
  const otherCpu = await otherCpuShare(async () => {
    const picked = new Map<string, Choices>();
    for (const size of SIZES) {
      const plan = planForProfile('lived-in', size.scale);
      await ensureDatabase(size.url);
      await applyMigrations(size.url, `${root}prisma/migrations`, () => {});
      const seeded = await seedDatabase(size.url, { plan, log: (line) => console.log(`  [${size.label}] ${line}`) });
      seeding[size.label] =
        `${seeded.status} in ${(seeded.ms / 1000).toFixed(1)} s (${seeded.counts.articles.toLocaleString('en')} articles, ${seeded.counts.users.toLocaleString('en')} users, ${seeded.counts.favorites.toLocaleString('en')} favorites, ${seeded.counts.follows.toLocaleString('en')} follows, ${seeded.counts.comments.toLocaleString('en')} comments, ${seeded.counts.tags.toLocaleString('en')} tags)`;
      console.log(`${size.label}: ${seeding[size.label]}`);
      const client = new pg.Client({ connectionString: size.url });
      await client.connect();
      picked.set(size.label, await choices(client, plan).finally(() => client.end()));
    }
    for (const cacheEnabled of [false, true]) {
      const targets: Target[] = [];
      try {
        for (const [i, size] of SIZES.entries()) {
          const api = await startApi(root, { DATABASE_URL: size.url, CACHE_ENABLED: String(cacheEnabled), PORT: String(4130 + i) });
          const c = picked.get(size.label) as Choices;
          targets.push({
            label: size.label,
            database: new URL(size.url).pathname.slice(1),
            base: api.base,
            pid: api.child.pid,
            tokens: { anonymous: undefined, heavyReader: await login(api.base, c.heavyReaderEmail), reader: await login(api.base, c.readerEmail) },
            stop: () => stop(api.child),
          });
        }
        const lists = new Map(SIZES.map((size) => [size.label, endpoints(picked.get(size.label) as Choices)]));
        const count = (lists.get(SIZES[0].label) as Endpoint[]).length;
        for (let e = 0; e < count; e++) {
          const bySize = new Map(SIZES.map((size) => [size.label, (lists.get(size.label) as Endpoint[])[e]]));
          const key = (bySize.get(SIZES[0].label) as Endpoint).key;
          const row = rows.get(key) ?? { name: key, uncached: {}, cached: {} };
          rows.set(key, row);
          const measured = await measureAll(targets, bySize, admin);
          Object.assign(cacheEnabled ? row.cached : row.uncached, measured);
          console.log(
            `  [cache ${cacheEnabled ? 'on ' : 'off'}] ${key}: ${Object.entries(measured)
              .map(([l, m]) => `${l} p50 ${m.p50Ms} p99 ${m.p99Ms} ms cpu ${m.cpuUsPerRequest} us buffers ${m.buffersPerRequest}`)
              .join(' | ')}`,
          );
        }
      } finally {
        for (const t of targets) await t.stop();
      }
    }
  });
  await admin.end();
  await writeGrowthReport([...rows.values()], seeding, otherCpu, { root, sizes: [SIZES[0].label, SIZES[1].label], requests: REQUESTS, warmup: WARMUP, shortRun: SHORT_RUN });
}

await main();
