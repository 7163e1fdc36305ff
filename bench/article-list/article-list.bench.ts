/**
 * Benchmark: the article list read path ("no N+1") against the naive per-article loading it
 * replaces, on a seeded database, in the same run.
 *
 *   npm run db:seed                      # or any seeded DATABASE_URL
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/conduit npm run bench:article-list
 *
 * For each scenario it loads PAGES pages of 20 articles (signed in: with author, following,
 * favorited, favoritesCount, tagList), sequentially on one connection, and prints statements
 * per page and latency per page (mean, p50, p99) for:
 *   - baseline "N+1": 1 page query, then per article: author, follow flag, favorite flag, tags
 *   - ours: buildSourcedPageSql (page + total + authors, 1 statement) + the batched viewer
 *     overlay (1 statement) = 2 statements whatever the page size
 * Bounded: PAGES (default 200) pages per scenario and variant; loopback PostgreSQL only.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { buildSourcedPageSql } from '../../apps/api/src/articles/article-list.sql.js';
import { sqlRows } from '../../apps/api/src/common/sql.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit';
const PAGES = Math.min(Math.max(Number(process.env.PAGES ?? 200), 10), 5_000);
const LIMIT = 20;

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, connectionTimeoutMillis: 5_000, statement_timeout: 10_000 });
let statements = 0;
const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
  statements += 1;
  return sqlRows<R>(pool, text, values);
};

interface Row {
  id: number;
  author_id: number;
}

/** The classic ORM-style loading: one page, then 4 lookups per article. */
async function naivePage(viewerId: number, offset: number, tag?: string): Promise<number> {
  const where = tag ? 'WHERE a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $3)' : '';
  const rows = await q<Row>(
    `SELECT a.id, a.slug, a.title, a.description, a.favorites_count, a.author_id, a.created_at, a.updated_at FROM articles a ${where}
     ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2`,
    tag ? [LIMIT, offset, tag] : [LIMIT, offset],
  );
  await q(`SELECT count(*)::int AS n FROM articles a ${where.replace('$3', '$1')}`, tag ? [tag] : []);
  for (const r of rows) {
    await q('SELECT username, bio, image FROM users WHERE id = $1', [r.author_id]);
    await q('SELECT 1 FROM follows WHERE follower_id = $1 AND following_id = $2', [viewerId, r.author_id]);
    await q('SELECT 1 FROM favorites WHERE user_id = $1 AND article_id = $2', [viewerId, r.id]);
    await q('SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = $1 ORDER BY t.name', [r.id]);
  }
  return rows.length;
}

/** Ours: the same SQL as ArticleReadRepository.page + viewerFlags. */
async function batchedPage(viewerId: number, offset: number, tag?: string): Promise<number> {
  const { text, values } = buildSourcedPageSql(tag ? { kind: 'tag', tag } : { kind: 'all' }, { limit: LIMIT, offset });
  const rows = (await q<Row & { id: number | null }>(text, values)).filter((r) => r.id !== null);
  await q(
    `SELECT 'follow' AS kind, following_id AS id FROM follows WHERE follower_id = $1 AND following_id = ANY($2::int[])
UNION ALL
SELECT 'favorite' AS kind, article_id AS id FROM favorites WHERE user_id = $1 AND article_id = ANY($3::int[])`,
    [viewerId, [...new Set(rows.map((r) => r.author_id))], rows.map((r) => r.id)],
  );
  return rows.length;
}

async function measure(name: string, load: (offset: number) => Promise<number>) {
  for (let i = 0; i < 10; i++) await load(i * LIMIT); // warm-up: prepared statements, caches
  statements = 0;
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < PAGES; i++) {
    const start = performance.now();
    items += await load((i % 50) * LIMIT);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((s, t) => s + t, 0) / times.length;
  return { name, statementsPerPage: statements / PAGES, itemsPerPage: items / PAGES, meanMs: mean, p50Ms: times[Math.floor(times.length * 0.5)], p99Ms: times[Math.floor(times.length * 0.99)] };
}

const articles = (await q<{ n: number }>('SELECT count(*)::int AS n FROM articles'))[0].n;
if (articles < 1_000) throw new Error(`only ${articles} articles in ${new URL(DATABASE_URL).pathname}: seed it first (npm run db:seed)`);
const viewerId = (await q<{ id: number }>('SELECT follower_id AS id FROM follows GROUP BY follower_id ORDER BY count(*) DESC LIMIT 1'))[0].id;
const tag = (await q<{ name: string }>('SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name ORDER BY count(*) DESC LIMIT 1'))[0].name;
console.log(`article list benchmark: ${articles} articles, ${PAGES} pages of ${LIMIT} per variant, signed-in viewer ${viewerId}, popular tag "${tag}"`);

for (const [scenario, filterTag] of [
  ['global list', undefined],
  [`tag=${tag}`, tag],
] as const) {
  const naive = await measure('baseline N+1', (o) => naivePage(viewerId, o, filterTag));
  const ours = await measure('batched (ours)', (o) => batchedPage(viewerId, o, filterTag));
  console.log(`\n${scenario}`);
  for (const r of [naive, ours]) {
    console.log(
      `  ${r.name.padEnd(16)} statements/page ${r.statementsPerPage.toFixed(0).padStart(3)}  items/page ${r.itemsPerPage.toFixed(0)}  mean ${r.meanMs.toFixed(2)} ms  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`,
    );
  }
  console.log(
    `  ratio baseline/ours: statements x${(naive.statementsPerPage / ours.statementsPerPage).toFixed(1)}, mean latency x${(naive.meanMs / ours.meanMs).toFixed(1)}, p99 x${(naive.p99Ms / ours.p99Ms).toFixed(1)}`,
  );
}
await pool.end();
