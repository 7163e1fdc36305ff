import { describe, expect, it } from 'vitest';
import { createArticle } from '../support/article-fixtures.js';
import { useTestApp } from '../support/test-app.js';

describe('favorites (e2e, real PostgreSQL)', () => {
  const app = useTestApp({ sql: true });

  const countersAgree = async (slug: string) => {
    const { rows } = await app.db.query('SELECT a.favorites_count AS counter, (SELECT count(*)::int FROM favorites f WHERE f.article_id = a.id) AS actual FROM articles a WHERE a.slug = $1', [slug]);
    expect(rows[0].counter).toBe(rows[0].actual);
    return rows[0].counter as number;
  };

  it('favorites and unfavorites; both are idempotent', async () => {
    const author = await app.api.actingAsNewUser('author');
    const fan = await app.api.actingAsNewUser('fan');
    const { slug } = await createArticle(author.client);

    const fav = await fan.client.post(`/api/articles/${slug}/favorite`);
    expect(fav.status).toBe(200);
    expect(fav.body.article).toMatchObject({ slug, favorited: true, favoritesCount: 1, body: expect.any(String) });
    const twice = await fan.client.post(`/api/articles/${slug}/favorite`);
    expect(twice.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
    expect(await countersAgree(slug)).toBe(1);

    expect((await app.api.get(`/api/articles/${slug}`)).body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
    expect((await author.client.get(`/api/articles/${slug}`)).body.article.favorited).toBe(false);

    const unfav = await fan.client.delete(`/api/articles/${slug}/favorite`);
    expect(unfav.status).toBe(200);
    expect(unfav.body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    const again = await fan.client.delete(`/api/articles/${slug}/favorite`);
    expect(again.body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    expect(await countersAgree(slug)).toBe(0);
  });

  it('keeps favoritesCount exact under concurrent favorites and unfavorites', async () => {
    const author = await app.api.actingAsNewUser('hot');
    const { slug } = await createArticle(author.client);
    const fans = await Promise.all(Array.from({ length: 10 }, (_, i) => app.api.actingAsNewUser(`f${i}`)));
    // Every fan favorites three times at once: 30 concurrent requests, 10 real favorites.
    const results = await Promise.all(fans.flatMap((f) => [1, 2, 3].map(() => f.client.post(`/api/articles/${slug}/favorite`))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await countersAgree(slug)).toBe(10);
    await Promise.all(fans.slice(0, 4).flatMap((f) => [1, 2].map(() => f.client.delete(`/api/articles/${slug}/favorite`))));
    expect(await countersAgree(slug)).toBe(6);
    expect((await app.api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(6);
  });

  it('accepts DELETE with Content-Type: application/json and an empty body (as the Postman collection sends)', async () => {
    const author = await app.api.actingAsNewUser('ctype');
    const { slug } = await createArticle(author.client);
    await author.client.post(`/api/articles/${slug}/favorite`);
    const res = await author.client.request('DELETE', `/api/articles/${slug}/favorite`, '');
    expect(res.status).toBe(200);
    expect(res.body.article.favorited).toBe(false);
    // a POST with an empty JSON body is a validation error (422), not a parser error
    expect((await author.client.request('POST', '/api/articles', '')).status).toBe(422);
  });

  it('answers 404 for an unknown slug and 401 without a token', async () => {
    const fan = await app.api.actingAsNewUser('lost');
    expect((await fan.client.post('/api/articles/nope/favorite')).status).toBe(404);
    expect((await fan.client.delete('/api/articles/nope/favorite')).status).toBe(404);
    expect((await app.api.delete('/api/articles/nope/favorite')).status).toBe(401);
  });
});
