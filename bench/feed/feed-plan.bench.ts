/**
 * Benchmark: does the feed's plan choice (apps/api/src/articles/feed-plan.ts) pick the faster plan
 * on a database that has lived?
 *
 *   npm run loadtest:ci        # leaves conduit_loadtest aged by its writers (or use any lived database)
 *   npm run bench:feed
 *
 * For FEED_READERS readers (80, the lowest ids among those who follow someone) it times the first
 * feed page three ways through the repository's own statistics and SQL: the plan chooseFeedPlan
 * picks, the per-author merge for everyone and the capped walk for everyone, each statement
 * prepared and run FEED_RUNS (20) times after 3 warm-up runs. It prints the mean per page of each,
 * the mean of each reader's faster plan (the best any choice could do), and the ratios to it. It
 * also prints how many heap fetches the newest 2,000 entries of the time index need (the
 * visibility map's lag on the newest rows, which makes "index-only" walks fetch every entry).
 * Latency on a shared box moves; read the ratios, which come from the same run.
 * BENCH_DATABASE_URL picks the database (default: the release gate's conduit_loadtest).
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { buildSourcedPageSql, type PageSource } from '../../apps/api/src/articles/article-list.sql.js';
import { ArticleReadRepository } from '../../apps/api/src/articles/article-read.repository.js';
import { chooseFeedPlan } from '../../apps/api/src/articles/feed-plan.js';
import { ReadRouter } from '../../apps/api/src/database/replica/read-router.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest';
const READERS = Math.min(Math.max(Number(process.env.FEED_READERS ?? 80), 1), 1_000);
const RUNS = Math.min(Math.max(Number(process.env.FEED_RUNS ?? 20), 1), 200);
const WINDOW = { limit: 20, offset: 0 };

async function meanMs(client: pg.Client, source: PageSource): Promise<number> {
  const { text, values } = buildSourcedPageSql(source, WINDOW);
  const query = { name: `bench_${source.kind}`, text, values };
  for (let i = 0; i < 3; i++) await client.query(query);
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) await client.query(query);
  return (performance.now() - started) / RUNS;
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const articles = new ArticleReadRepository(pool, new ReadRouter(pool));
    const readers = (await client.query<{ id: number }>('SELECT DISTINCT follower_id AS id FROM follows ORDER BY 1 LIMIT $1', [READERS])).rows;
    if (readers.length === 0) throw new Error(`${DATABASE_URL} has no follows: run npm run loadtest:ci first, or set BENCH_DATABASE_URL to a lived database`);
    const sums = { chosen: 0, merge: 0, walk: 0, best: 0 };
    const picked: Record<string, number> = { 'feed-merge': 0, 'feed-walk': 0 };
    for (const { id } of readers) {
      const stats = await articles.feedStats(id);
      const plan = chooseFeedPlan(stats, WINDOW);
      picked[plan.kind] += 1;
      const merge = await meanMs(client, { kind: 'feed-merge', authorIds: stats.authorIds, total: stats.followedArticles });
      const walk = await meanMs(client, { kind: 'feed-walk', authorIds: stats.authorIds, total: stats.followedArticles });
      sums.merge += merge;
      sums.walk += walk;
      sums.chosen += plan.kind === 'feed-walk' ? walk : merge;
      sums.best += Math.min(merge, walk);
    }
    const mean = (sum: number) => sum / readers.length;
    const best = mean(sums.best);
    const total = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM articles')).rows[0].n;
    console.log(`feed plan benchmark: ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')} (${total} articles), ${readers.length} readers, first page of 20, ${RUNS} runs each`);
    console.log(
      `  chosen plan      ${mean(sums.chosen).toFixed(3)} ms per page  ${(mean(sums.chosen) / best).toFixed(2)}x the best  (merge for ${picked['feed-merge']}, walk for ${picked['feed-walk']})`,
    );
    console.log(`  merge for all    ${mean(sums.merge).toFixed(3)} ms per page  ${(mean(sums.merge) / best).toFixed(2)}x the best`);
    console.log(`  walk for all     ${mean(sums.walk).toFixed(3)} ms per page  ${(mean(sums.walk) / best).toFixed(2)}x the best`);
    console.log(`  each one's best  ${best.toFixed(3)} ms per page`);
    const explain = await client.query<{ 'QUERY PLAN': Array<{ Plan: { Plans: Array<Record<string, number>> } }> }>(
      'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT a.id FROM articles a ORDER BY a.created_at DESC, a.id DESC LIMIT 2000',
    );
    const scan = explain.rows[0]['QUERY PLAN'][0].Plan.Plans[0];
    console.log(`  the newest 2,000 entries of the time index: ${scan['Heap Fetches'] ?? 0} heap fetches, ${scan['Shared Hit Blocks'] ?? 0} buffers`);
  } finally {
    await client.end();
    await pool.end();
  }
}

await main();
