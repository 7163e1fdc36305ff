import { hash } from '@node-rs/argon2';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { dropForLoad, restoreAfterLoad } from './deferred-constraints.js';
import { LivedInData } from './lived-in-data.js';
import { SeedData, type SeedRows } from './seed-data.js';
import { LOAD_TEST_EMAIL_DOMAIN, SEED_PASSWORD, loadTestUsername, type SeedPlan } from './seed-plan.js';

/**
 * argon2id parameters of the API's PasswordService (apps/api/src/auth/password.service.ts),
 * so seeded accounts log in through the normal path. seed.spec.ts asserts they stay equal.
 */
export const SEED_ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const SEEDED_TABLES = ['users', 'tags', 'articles', 'article_tags', 'favorites', 'follows', 'comments'] as const;
/** Tables whose triggers keep counters; the seed computes the counters in bulk instead. */
const TRIGGER_TABLES = ['articles', 'article_tags', 'favorites'] as const;
/** Tables the triggers keep (filled by fillCounters). */
const COUNTER_TABLES = ['article_totals', 'tag_article_counts'] as const;
export type SeededTable = (typeof SEEDED_TABLES)[number];

export interface SeedOptions {
  plan: SeedPlan;
  /** Empty every Conduit table first (otherwise an already seeded database is left alone). */
  reset?: boolean;
  log?: (line: string) => void;
}

export interface SeedResult {
  status: 'seeded' | 'already-seeded';
  counts: Record<SeededTable, number>;
  ms: number;
}

// One seeder at a time per database (two `npm run db:seed` racing would otherwise collide on ids).
const SEED_LOCK = 72707370;

/**
 * Loads a deterministic data set with COPY, in ONE transaction: a failed or interrupted seed
 * leaves the database as it was (never half-seeded). Idempotent: if the load-test accounts are
 * already there it does nothing unless `reset` is set; a non-empty database that was not seeded
 * is refused rather than mixed with seed rows.
 * Tested in apps/api/test/db/seed.spec.ts; timing printed by `npm run db:seed`.
 */
export async function seedDatabase(databaseUrl: string, options: SeedOptions): Promise<SeedResult> {
  const { plan, reset = false, log = () => {} } = options;
  const started = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000, application_name: 'conduit-seed' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SEED_LOCK]);
    if (!reset && (await alreadySeeded(client))) return { status: 'already-seeded', counts: await countRows(client), ms: performance.now() - started };

    // Hashed once: every seeded account shares the password. The salt comes from the PRNG seed
    // (test data only) so the users table, too, is byte-identical across runs.
    const salt = createHash('sha256').update(`conduit-seed-${plan.seed}`).digest().subarray(0, 16);
    const passwordHash = await hash(SEED_PASSWORD, { ...SEED_ARGON2_OPTIONS, salt });
    const t = performance.now();
    const data: SeedRows = plan.profile === 'lived-in' ? new LivedInData(plan) : new SeedData(plan);
    log(`generated relations in ${Math.round(performance.now() - t)} ms`);

    await client.query('BEGIN');
    try {
      await loadInTransaction(client, data, passwordHash, reset, log);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    await vacuumAnalyze(client, log);
    return { status: 'seeded', counts: await countRows(client), ms: performance.now() - started };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => {});
    await client.end();
  }
}

/** True when the load-test accounts are there; throws if the database holds other data. */
async function alreadySeeded(client: pg.Client): Promise<boolean> {
  const marker = await client.query('SELECT 1 FROM users WHERE email = $1', [`${loadTestUsername(1)}@${LOAD_TEST_EMAIL_DOMAIN}`]);
  if (marker.rowCount) return true;
  const counts = await countRows(client);
  const nonEmpty = SEEDED_TABLES.filter((t) => counts[t] > 0);
  if (nonEmpty.length) throw new Error(`database is not empty (${nonEmpty.join(', ')}) and was not seeded: rerun with --reset to replace its data`);
  return false;
}

/** Everything between BEGIN and COMMIT: the COPYs, the sequences, the deferred indexes and the counters. */
async function loadInTransaction(client: pg.Client, data: SeedRows, passwordHash: string, reset: boolean, log: (line: string) => void): Promise<void> {
  if (reset) await client.query(`TRUNCATE ${SEEDED_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  // Row triggers would cost a lookup and a counter update per row: off for the load (inside
  // this transaction only), counters computed once at the end (fillCounters).
  // sql-safe: table names come from the constant TRIGGER_TABLES.
  for (const table of TRIGGER_TABLES) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  const deferred = await dropForLoad(client, SEEDED_TABLES);
  await copyRows(client, data, passwordHash, log);
  // Ids were given explicitly: move the sequences past them so the API's inserts don't collide.
  for (const table of ['users', 'tags', 'articles', 'comments']) {
    // sql-safe: table names come from the constant list above (identifiers cannot be parameters).
    await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1))`);
  }
  let t = performance.now();
  await restoreAfterLoad(client, deferred);
  log(`indexed and checked foreign keys in ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  await fillCounters(client);
  // sql-safe: table names come from the constant TRIGGER_TABLES.
  for (const table of TRIGGER_TABLES) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  log(`counted in ${Math.round(performance.now() - t)} ms`);
}

async function copyRows(client: pg.Client, data: SeedRows, passwordHash: string, log: (line: string) => void): Promise<void> {
  const copy = async (table: SeededTable, columns: string, rows: Iterable<unknown[]>) => {
    const t = performance.now();
    await pipeline(Readable.from(copyChunks(rows)), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
    log(`copied ${table} in ${Math.round(performance.now() - t)} ms`);
  };
  await copy('users', 'id, email, username, password_hash, bio, image, created_at, updated_at', data.userRows(passwordHash));
  await copy('tags', 'id, name', data.tagRows());
  await copy('articles', 'id, slug, title, description, body, tag_list, favorites_count, author_id, created_at, updated_at', data.articleRows());
  await copy('article_tags', 'article_id, tag_id, created_at', data.articleTagRows());
  await copy('favorites', 'user_id, article_id, created_at, article_created_at', data.favoriteRows());
  await copy('follows', 'follower_id, following_id, created_at', data.followRows());
  await copy('comments', 'id, body, article_id, author_id, created_at, updated_at', data.commentRows());
}

/**
 * The steady state autovacuum would reach later, now: fresh statistics (the planner picks the
 * indexes straight away) and a set visibility map (index-only scans, e.g. for counts). The
 * counter tables too: their statistics decide the plans of every count and of GET /api/tags.
 */
async function vacuumAnalyze(client: pg.Client, log: (line: string) => void): Promise<void> {
  const t = performance.now();
  // sql-safe: table names come from the constants SEEDED_TABLES and COUNTER_TABLES.
  await client.query(`VACUUM (ANALYZE) ${[...SEEDED_TABLES, ...COUNTER_TABLES].join(', ')}`);
  log(`vacuumed and analyzed in ${Math.round(performance.now() - t)} ms`);
}

/** The counters the triggers keep (migrations 20261202000000_read_cost, 20261202010000_article_totals_shards, 20261202020000_tag_count_shards), computed from the rows. */
async function fillCounters(client: pg.Client): Promise<void> {
  // Per-tag shard rows (migration 20261202020000_tag_count_shards): each tag's whole count in shard 0.
  await client.query('DELETE FROM tag_article_counts');
  await client.query(`INSERT INTO tag_article_counts (tag_id, shard, articles_count) SELECT tag_id, 0, count(*)::int FROM article_tags GROUP BY tag_id`);
  await client.query(`UPDATE users u SET articles_count = c.n FROM (SELECT author_id, count(*)::int AS n FROM articles GROUP BY author_id) c WHERE c.author_id = u.id`);
  await client.query(`UPDATE users u SET favorited_count = c.n FROM (SELECT user_id, count(*)::int AS n FROM favorites GROUP BY user_id) c WHERE c.user_id = u.id`);
  // The sharded global counter (migration 20261202010000_article_totals_shards): the whole count
  // in shard 0, every other shard reset to 0, so the sum is exact whatever was there before.
  await client.query(`INSERT INTO article_totals (id, articles_count)
SELECT s, CASE WHEN s = 0 THEN (SELECT count(*)::int FROM articles) ELSE 0 END FROM generate_series(0, 15) s
ON CONFLICT (id) DO UPDATE SET articles_count = EXCLUDED.articles_count`);
}

async function countRows(client: pg.Client): Promise<Record<SeededTable, number>> {
  const sql = SEEDED_TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const { rows } = await client.query<{ t: SeededTable; n: number }>(sql);
  const byTable = new Map(rows.map((r) => [r.t, r.n]));
  return Object.fromEntries(SEEDED_TABLES.map((t) => [t, byTable.get(t) ?? 0])) as Record<SeededTable, number>;
}

/** COPY text format, batched into ~1 MB chunks (one write per row would dominate the run time). */
function* copyChunks(rows: Iterable<unknown[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += row.map(copyValue).join('\t') + '\n';
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (Array.isArray(value)) return copyValue(`{${value.map(arrayElement).join(',')}}`);
  return String(value).replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string);
}

/** A PostgreSQL array literal element, always quoted (the outer COPY escaping is applied after). */
function arrayElement(value: unknown): string {
  return `"${String(value).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
