import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { countStatements, type StatementCounter } from '../support/statement-counter.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The list query (page + count in one statement) of apps/api/src/articles/article-list.sql.ts. */
const isListQuery = (sql: string) => /\bAS total\b/i.test(sql) && /\bLIMIT\b/i.test(sql);
const isSingleArticleQuery = (sql: string) => /\bWHERE\s+a\.slug\s*=\s*\$1/i.test(sql);

/**
 * Stampede protection: 200 concurrent requests at one cold key reach PostgreSQL once per
 * instance (single-flight) and a bounded number of times across instances (Redis lock).
 * Counts real SQL statements (support/statement-counter.ts), not timings.
 */
describe('cache stampede on a cold key (e2e, real PostgreSQL + Redis)', () => {
  let counter: StatementCounter;
  let one: TestApp;
  let two: TestApp;
  let author: Awaited<ReturnType<ApiClient['actingAsNewUser']>>;
  const slugs: string[] = [];

  beforeAll(async () => {
    counter = countStatements(() => one?.db.name);
    // A lock wait longer than any fill on a loaded box: the second instance waits for the first.
    // 200 requests handled in the same process as the test saturate the event loop; a roomier
    // Redis command timeout keeps spurious timeouts (fail-open reads) out of the count.
    const env = { CACHE_LOCK_WAIT_MS: '5000', CACHE_LOCK_TTL_MS: '10000', DB_POOL_MAX: '10', REDIS_COMMAND_TIMEOUT_MS: '2000' };
    one = await startTestApp(env);
    two = await startTestApp({ ...env, DATABASE_URL: one.db.url, REDIS_KEY_PREFIX: one.config.REDIS_KEY_PREFIX, INSTANCE_ID: 'api-2' });
    author = await new ApiClient(one.url).actingAsNewUser('stampede');
    for (let i = 0; i < 6; i++) slugs.push((await createArticle(author.client, { tagList: [`cold-${i}`] })).slug);
  });
  afterAll(async () => {
    counter?.restore();
    await two?.close();
    await one?.close();
  });

  it('one instance: 200 concurrent anonymous requests -> 1 list query', async () => {
    const api = new ApiClient(one.url);
    let responses: { status: number; body: any }[] = [];
    const statements = await counter.during(async () => {
      responses = await Promise.all(Array.from({ length: 200 }, () => api.get('/api/articles?tag=cold-0')));
    });
    expect(responses.every((r) => r.status === 200 && r.body.articles.length === 1)).toBe(true);
    expect(statements.filter(isListQuery)).toHaveLength(1);
  });

  it('one instance: 200 concurrent signed-in requests -> 1 list query + 1 flags query', async () => {
    const reader = await new ApiClient(one.url).actingAsNewUser('reader');
    let responses: { status: number; body: any }[] = [];
    const statements = await counter.during(async () => {
      responses = await Promise.all(Array.from({ length: 200 }, () => reader.client.get('/api/articles?tag=cold-1')));
    });
    expect(responses.every((r) => r.status === 200 && r.body.articles[0].favorited === false)).toBe(true);
    expect(statements.filter(isListQuery)).toHaveLength(1);
    // Everything else is the viewer's one batched flags query (no N+1, no per-request repeat).
    expect(statements.filter((s) => !isListQuery(s))).toHaveLength(1);
  });

  it('two instances: 200 concurrent requests split across both -> at most one query per instance', async () => {
    const apis = [new ApiClient(one.url), new ApiClient(two.url)];
    for (const [path, isQuery] of [
      ['/api/articles?tag=cold-2', isListQuery],
      [`/api/articles/${slugs[3]}`, isSingleArticleQuery],
    ] as const) {
      let responses: { status: number }[] = [];
      const statements = await counter.during(async () => {
        responses = await Promise.all(Array.from({ length: 200 }, (_, i) => apis[i % 2].get(path)));
      });
      expect(responses.every((r) => r.status === 200)).toBe(true);
      const fills = statements.filter(isQuery).length;
      expect(fills).toBeGreaterThanOrEqual(1);
      expect(fills).toBeLessThanOrEqual(2); // single-flight per instance; usually 1 thanks to the lock
    }
  });

  it('the counters show it: one computation, the rest hits or coalesced', async () => {
    const api = new ApiClient(one.url);
    await Promise.all(Array.from({ length: 50 }, () => api.get('/api/articles?tag=cold-4')));
    const metrics = (await api.get('/metrics')).body as string;
    expect(metrics).toMatch(/cache_computations_total\{cache="articleList",kind="shared"\} \d+/);
    expect(metrics).toMatch(/cache_requests_total\{cache="articleList",layer="redis",result="miss"\} \d+/);
    expect(metrics).toMatch(/cache_requests_total\{cache="articleList",layer="local",result="hit"\} \d+/);
  });
});
