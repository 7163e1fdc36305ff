import { describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { useTestApp } from '../support/test-app.js';

describe('tags (e2e, real PostgreSQL)', () => {
  const app = useTestApp();

  it('starts empty, then lists the tags in use, alphabetically and once each', async () => {
    expect((await app.api.get('/api/tags')).body).toEqual({ tags: [] });
    const { client } = await app.api.actingAsNewUser('tagger');
    await createArticle(client, { tagList: ['zebra', 'apple'] });
    await createArticle(client, { tagList: ['apple', 'mango'] });
    const res = await app.api.get('/api/tags');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tags: ['apple', 'mango', 'zebra'] });
  });

  it('drops tags no article uses any more (after an update or a delete)', async () => {
    const { client } = await app.api.actingAsNewUser('cleaner');
    const a = await createArticle(client, { tagList: ['temporary', 'shared'] });
    const b = await createArticle(client, { tagList: ['shared'] });
    expect((await app.api.get('/api/tags')).body.tags).toEqual(expect.arrayContaining(['temporary', 'shared']));
    await client.put(`/api/articles/${a.slug}`, { article: { tagList: ['shared'] } });
    expect((await app.api.get('/api/tags')).body.tags).not.toContain('temporary');
    await client.delete(`/api/articles/${a.slug}`);
    await client.delete(`/api/articles/${b.slug}`);
    expect((await app.api.get('/api/tags')).body.tags).not.toContain('shared');
  });

  it('works with or without a token', async () => {
    const { client } = await app.api.actingAsNewUser('any');
    expect((await client.get('/api/tags')).status).toBe(200);
  });
});
