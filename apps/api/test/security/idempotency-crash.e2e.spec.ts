import { ApiClient, TEST_REDIS_URL, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startBuiltServer, type BuiltServer } from '../support/built-server.js';

/**
 * Idempotency-Key through a crash at the worst moment: the built server (real process) SIGKILLs
 * itself after the create committed and before the response is stored or sent (the test-only
 * fault point `crash-after-commit`, enabled by TEST_FAULT_INJECTION and asked for by the
 * `x-test-fault` header). The key committed with the article (or comment), so the client's retry,
 * served by a fresh process, gets the created resource back and nothing is created twice.
 * (Before the key was written in the create's own statement, this retry made a duplicate once the
 * dead claim's lease lapsed.)
 */
describe('Idempotency-Key survives a SIGKILL between the commit and the response (built server)', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let port = 0;
  let server: BuiltServer | undefined;

  const start = async () => {
    server = startBuiltServer({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
      TEST_FAULT_INJECTION: 'true',
    });
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 300; i++) {
      if (server.child.exitCode !== null) throw new Error(`server exited: ${server.stderr.slice(-10).join('\n')}`);
      if ((await api.get('/health/ready').catch(() => ({ status: 0 }))).status === 200) return api;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('server not ready');
  };
  const crash = { 'x-test-fault': 'crash-after-commit' };
  const count = async (query: string, values: unknown[]) => Number((await sql.query(query, values)).rows[0].n);

  beforeAll(async () => {
    ensureBuilt();
    port = await freePort();
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    server?.kill();
    await sql?.end();
    await db?.drop();
  });

  it('an article create killed after its commit: the retry replays it, one article, never two', async () => {
    const { client, username, token } = await (await start()).actingAsNewUser('crash');
    const body = { article: { title: 'Killed after commit', description: 'd', body: 'b', tagList: ['crash'] } };
    const headers = { 'idempotency-key': 'crash-article', ...crash };

    const lost = await client.post('/api/articles', body, headers).catch((error: Error) => error);
    expect(lost, 'the response never arrives').toBeInstanceOf(Error);
    expect(await server!.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Both or neither: the article and its key's resource_id committed together; no response stored.
    const key = (await sql.query('SELECT resource_id, response_status FROM idempotency_keys WHERE key = $1', ['crash-article'])).rows[0];
    const created = (await sql.query('SELECT id, slug FROM articles WHERE title = $1', ['Killed after commit'])).rows;
    expect(created).toHaveLength(1);
    expect(key).toEqual({ resource_id: created[0].id, response_status: null });

    // The client retries (same key, same request, the fault header still on: a replay never reaches the fault point).
    await start();
    const retry = await new ApiClient(`http://127.0.0.1:${port}`, token).post('/api/articles', body, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.article).toMatchObject({ slug: created[0].slug, title: 'Killed after commit', author: { username } });
    expect(await count('SELECT count(*) AS n FROM articles WHERE title = $1', ['Killed after commit'])).toBe(1);
    // The rebuilt response is stored: the next retry replays it byte for byte.
    const again = await new ApiClient(`http://127.0.0.1:${port}`, token).post('/api/articles', body, headers);
    expect(again.body).toEqual(retry.body);
    expect((await sql.query('SELECT response_status FROM idempotency_keys WHERE key = $1', ['crash-article'])).rows[0].response_status).toBe(201);
  });

  it('a comment create killed after its commit: the retry replays it, one comment', async () => {
    const api = server?.child.exitCode === null ? new ApiClient(`http://127.0.0.1:${port}`) : await start();
    const { client, token } = await api.actingAsNewUser('crashc');
    const article = await client.post('/api/articles', { article: { title: 'Commented', description: 'd', body: 'b' } });
    const path = `/api/articles/${article.body.article.slug}/comments`;
    const headers = { 'idempotency-key': 'crash-comment', ...crash };

    expect(await client.post(path, { comment: { body: 'once' } }, headers).catch((error: Error) => error)).toBeInstanceOf(Error);
    expect((await server!.exited).signal).toBe('SIGKILL');
    await start();
    const retry = await new ApiClient(`http://127.0.0.1:${port}`, token).post(path, { comment: { body: 'once' } }, headers);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.comment).toMatchObject({ body: 'once' });
    expect(await count("SELECT count(*) AS n FROM comments WHERE body = 'once'", [])).toBe(1);
  });
});
