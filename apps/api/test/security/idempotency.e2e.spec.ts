import { ApiClient } from '@conduit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { IdempotencyRepository } from '../../src/idempotency/idempotency.repository.js';

/** Idempotency-Key on POST /api/articles and POST /api/articles/:slug/comments (apps/api/src/idempotency/). */
describe('Idempotency-Key on creates (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let api: ApiClient;
  let sql: pg.Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = new ApiClient(t.url);
    sql = new pg.Client({ connectionString: t.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
  });

  const count = async (query: string, values: unknown[]) => Number((await sql.query(query, values)).rows[0].n);
  const articlesTitled = (title: string) => count('SELECT count(*) AS n FROM articles WHERE title = $1', [title]);
  const newArticle = (title: string) => ({ article: { title, description: 'd', body: 'b', tagList: ['idem'] } });

  it('a sequential retry gets the original status and body and creates nothing new', async () => {
    const { client } = await api.actingAsNewUser('idem');
    const first = await client.post('/api/articles', newArticle('Retry me'), { 'idempotency-key': 'key-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await client.post('/api/articles', newArticle('Retry me'), { 'idempotency-key': 'key-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await articlesTitled('Retry me')).toBe(1);
    // The same body with the keys in another order is the same request.
    const reordered = await client.post('/api/articles', { article: { tagList: ['idem'], body: 'b', description: 'd', title: 'Retry me' } }, { 'idempotency-key': 'key-1' });
    expect(reordered.status).toBe(201);
    expect(reordered.body.article.slug).toBe(first.body.article.slug);
    // Without a key, or with a new key, a create is a new create.
    expect((await client.post('/api/articles', newArticle('Retry me'), { 'idempotency-key': 'key-2' })).status).toBe(201);
    expect((await client.post('/api/articles', newArticle('Retry me'))).status).toBe(201);
    expect(await articlesTitled('Retry me')).toBe(3);
  });

  it('10 concurrent requests with the same key create exactly one article and all get its response', async () => {
    const { client } = await api.actingAsNewUser('race');
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.post('/api/articles', newArticle('Raced'), { 'idempotency-key': 'same-key-for-all' })));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const slugs = new Set(responses.map((r) => r.body.article.slug));
    expect(slugs.size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await articlesTitled('Raced')).toBe(1);
  });

  it('10 concurrent comment posts with the same key create exactly one comment', async () => {
    const { client } = await api.actingAsNewUser('cmt');
    const slug = (await client.post('/api/articles', newArticle('Commented'))).body.article.slug;
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.post(`/api/articles/${slug}/comments`, { comment: { body: 'once' } }, { 'idempotency-key': 'c-1' })));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((r) => r.body.comment.id)).size).toBe(1);
    expect(await count('SELECT count(*) AS n FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.slug = $1', [slug])).toBe(1);
    // The same key on another article's comments is a different request: refused, nothing written.
    const other = (await client.post('/api/articles', newArticle('Other'))).body.article.slug;
    const reused = await client.post(`/api/articles/${other}/comments`, { comment: { body: 'once' } }, { 'idempotency-key': 'c-1' });
    expect(reused.status).toBe(422);
    expect(await count('SELECT count(*) AS n FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.slug = $1', [other])).toBe(0);
  });

  it('keys are per user: two users with the same key each create their own article', async () => {
    const a = await api.actingAsNewUser('ua');
    const b = await api.actingAsNewUser('ub');
    const [ra, rb] = await Promise.all([
      a.client.post('/api/articles', newArticle('Shared key'), { 'idempotency-key': 'shared' }),
      b.client.post('/api/articles', newArticle('Shared key'), { 'idempotency-key': 'shared' }),
    ]);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(ra.body.article.author.username).toBe(a.username);
    expect(rb.body.article.author.username).toBe(b.username);
    expect(ra.body.article.slug).not.toBe(rb.body.article.slug);
    expect(await articlesTitled('Shared key')).toBe(2);
  });

  it('the same key with a different body is a clear 422 and writes nothing', async () => {
    const { client } = await api.actingAsNewUser('diff');
    expect((await client.post('/api/articles', newArticle('Original'), { 'idempotency-key': 'k' })).status).toBe(201);
    const changed = await client.post('/api/articles', newArticle('Changed'), { 'idempotency-key': 'k' });
    expect(changed.status).toBe(422);
    expect(changed.body.errors['idempotency-key'][0]).toMatch(/different request/);
    expect(await articlesTitled('Changed')).toBe(0);
  });

  it('validates the key format (1..128 visible ASCII characters) with 422', async () => {
    const { client } = await api.actingAsNewUser('fmt');
    for (const bad of ['x'.repeat(129), 'has space', 'tab\tinside', 'caf\u00e9']) {
      const res = await client.post('/api/articles', newArticle('Bad key'), { 'idempotency-key': bad });
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect(res.body.errors['idempotency-key']).toBeDefined();
    }
    // An empty header value is malformed too.
    const empty = await client.post('/api/articles', newArticle('Bad key'), { 'idempotency-key': '' });
    expect(empty.status).toBe(422);
    expect(await articlesTitled('Bad key')).toBe(0);
    expect((await client.post('/api/articles', newArticle('Good key'), { 'idempotency-key': 'x'.repeat(128) })).status).toBe(201);
  });

  it('a failed request releases its key: the corrected retry runs', async () => {
    const { client } = await api.actingAsNewUser('fail');
    const invalid = await client.post('/api/articles', { article: { title: '', description: 'd', body: 'b' } }, { 'idempotency-key': 'fix-me' });
    expect(invalid.status).toBe(422);
    expect(await count('SELECT count(*) AS n FROM idempotency_keys WHERE key = $1', ['fix-me'])).toBe(0);
    const missing = await client.post('/api/articles/no-such-article/comments', { comment: { body: 'x' } }, { 'idempotency-key': 'fix-me' });
    expect(missing.status).toBe(404);
    const fixed = await client.post('/api/articles', newArticle('Fixed'), { 'idempotency-key': 'fix-me' });
    expect(fixed.status).toBe(201);
  });

  it('an expired key is reused as new; an in-progress claim whose lease lapsed is taken over', async () => {
    const { client, username } = await api.actingAsNewUser('exp');
    expect((await client.post('/api/articles', newArticle('Expiring'), { 'idempotency-key': 'old' })).status).toBe(201);
    await sql.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'`);
    const again = await client.post('/api/articles', newArticle('Expiring'), { 'idempotency-key': 'old' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await articlesTitled('Expiring')).toBe(2);

    // A claim left behind by a killed process: still leased -> 409 after the wait; lapsed -> runs.
    const userId = (await sql.query('SELECT id FROM users WHERE username = $1', [username])).rows[0].id;
    await sql.query(`INSERT INTO idempotency_keys (user_id, key, fingerprint, locked_until, expires_at) VALUES ($1, 'orphan', 'x', now() - interval '1 second', now() + interval '1 day')`, [userId]);
    expect((await client.post('/api/articles', newArticle('Orphan'), { 'idempotency-key': 'orphan' })).status).toBe(201);
    expect(await articlesTitled('Orphan')).toBe(1);
  });

  it('the periodic purge deletes expired keys only', async () => {
    const { client } = await api.actingAsNewUser('purge');
    expect((await client.post('/api/articles', newArticle('Purge keep'), { 'idempotency-key': 'keep' })).status).toBe(201);
    expect((await client.post('/api/articles', newArticle('Purge drop'), { 'idempotency-key': 'drop' })).status).toBe(201);
    await sql.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'drop'`);
    const purged = await t.app.get(IdempotencyRepository).purgeExpired(1_000);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await count(`SELECT count(*) AS n FROM idempotency_keys WHERE key = 'drop'`, [])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM idempotency_keys WHERE key = 'keep'`, [])).toBe(1);
  });

  it('a retry while the first request is still running past the wait gets 409 + Retry-After', async () => {
    // A short budget keeps the wait short (REQUEST_TIMEOUT_MS - 1 s), with room left for a loaded machine.
    const short = await startTestApp({ REQUEST_TIMEOUT_MS: '3000' });
    try {
      const shortApi = new ApiClient(short.url);
      const { client, username } = await shortApi.actingAsNewUser('busy');
      const c = new pg.Client({ connectionString: short.db.url });
      await c.connect();
      const userId = (await c.query('SELECT id FROM users WHERE username = $1', [username])).rows[0].id;
      const body = newArticle('Busy');
      // Simulate a first request in progress elsewhere: the same fingerprint, leased for a minute.
      const first = await client.post('/api/articles', body, { 'idempotency-key': 'probe' });
      const fingerprint = (await c.query(`SELECT fingerprint FROM idempotency_keys WHERE key = 'probe'`)).rows[0].fingerprint;
      await c.query(`INSERT INTO idempotency_keys (user_id, key, fingerprint, locked_until, expires_at) VALUES ($1, 'busy', $2, now() + interval '1 minute', now() + interval '1 day')`, [
        userId,
        fingerprint,
      ]);
      await c.end();
      expect(first.status).toBe(201);
      const res = await client.post('/api/articles', body, { 'idempotency-key': 'busy' });
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body.errors['idempotency-key'][0]).toMatch(/in progress/);
    } finally {
      await short.close();
    }
  });
});
