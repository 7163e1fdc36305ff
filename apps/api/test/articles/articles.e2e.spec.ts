import { describe, expect, it } from 'vitest';
import { ISO_8601, createArticle } from '../support/article-fixtures.js';
import { useTestApp } from '../support/test-app.js';

describe('articles: create, read, update, delete (e2e, real PostgreSQL)', () => {
  const app = useTestApp({ sql: true });

  it('creates an article (201) with the exact RealWorld shape', async () => {
    const { client, username } = await app.api.actingAsNewUser('author');
    const res = await client.post('/api/articles', {
      article: { title: 'How to train your dragon', description: 'Ever wonder how?', body: 'Very carefully.', tagList: ['training', 'dragons'] },
    });
    expect(res.status).toBe(201);
    const a = res.body.article;
    expect(Object.keys(res.body)).toEqual(['article']);
    expect(Object.keys(a).sort()).toEqual(['author', 'body', 'createdAt', 'description', 'favorited', 'favoritesCount', 'slug', 'tagList', 'title', 'updatedAt']);
    expect(a).toMatchObject({
      title: 'How to train your dragon',
      description: 'Ever wonder how?',
      body: 'Very carefully.',
      tagList: ['dragons', 'training'],
      favorited: false,
      favoritesCount: 0,
      author: { username, bio: null, image: null, following: false },
    });
    expect(a.slug).toMatch(/^how-to-train-your-dragon-[0-9a-z]{6}$/);
    expect(a.createdAt).toMatch(ISO_8601);
    expect(a.updatedAt).toMatch(ISO_8601);
    // tag rows and links were written in the same transaction as the article
    const links = await app.db.query('SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id JOIN articles a ON a.id = at.article_id WHERE a.slug = $1 ORDER BY 1', [a.slug]);
    expect(links.rows.map((r) => r.name)).toEqual(['dragons', 'training']);
  });

  it('gets an article by slug anonymously and signed in; unknown slug is 404', async () => {
    const { client } = await app.api.actingAsNewUser('reader');
    const created = await createArticle(client, { title: 'Readable', body: 'the body' });
    const anon = await app.api.get(`/api/articles/${created.slug}`);
    expect(anon.status).toBe(200);
    expect(anon.body.article).toMatchObject({ slug: created.slug, body: 'the body', favorited: false });
    const signed = await client.get(`/api/articles/${created.slug}`);
    expect(signed.status).toBe(200);
    const missing = await app.api.get('/api/articles/no-such-article');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: { article: ['not found'] } });
  });

  it('deduplicates and trims tags, defaults tagList to []', async () => {
    const { client } = await app.api.actingAsNewUser('tags');
    expect((await createArticle(client, { tagList: [' b ', 'a', 'b', 'a'] })).tagList).toEqual(['a', 'b']);
    expect((await createArticle(client)).tagList).toEqual([]);
  });

  it('gives 20 concurrent creates of the same title 20 distinct slugs', async () => {
    const { client } = await app.api.actingAsNewUser('burst');
    const results = await Promise.all(Array.from({ length: 20 }, () => client.post('/api/articles', { article: { title: 'Same Title', description: 'd', body: 'b', tagList: ['same', 'burst'] } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const slugs = new Set(results.map((r) => r.body.article.slug));
    expect(slugs.size).toBe(20);
    for (const slug of slugs) expect(slug).toMatch(/^same-title-[0-9a-z]{6}$/);
    const tagged = await app.db.query(`SELECT count(*)::int AS n FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name IN ('same', 'burst')`);
    expect(tagged.rows[0].n).toBe(40);
    expect((await app.db.query(`SELECT count(*)::int AS n FROM tags WHERE name IN ('same', 'burst')`)).rows[0].n).toBe(2);
  });

  it('validates input with 422 and the RealWorld error shape', async () => {
    const { client } = await app.api.actingAsNewUser('invalid');
    const blank = await client.post('/api/articles', { article: { title: ' ', description: '', body: '' } });
    expect(blank.status).toBe(422);
    expect(Object.keys(blank.body.errors).sort()).toEqual(['body', 'description', 'title']);
    expect(blank.body.errors.title).toEqual(["can't be blank"]);
    const missing = await client.post('/api/articles', { article: { title: 'only title' } });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.errors).sort()).toEqual(['body', 'description']);
    const badTags = await client.post('/api/articles', { article: { title: 't', description: 'd', body: 'b', tagList: 'x' } });
    expect(badTags.status).toBe(422);
    expect(badTags.body.errors.tagList).toBeDefined();
    const tooMany = await client.post('/api/articles', { article: { title: 't', description: 'd', body: 'b', tagList: Array.from({ length: 21 }, (_, i) => `t${i}`) } });
    expect(tooMany.status).toBe(422);
    expect((await client.post('/api/articles', {})).status).toBe(422);
    expect((await client.post('/api/articles', 'not json')).status).toBe(400);
  });

  it('rejects privileged or unknown fields (mass assignment) with 422 and writes nothing', async () => {
    const { client } = await app.api.actingAsNewUser('mass');
    const before = (await app.db.query('SELECT count(*)::int AS n FROM articles')).rows[0].n;
    for (const extra of [{ id: 1 }, { authorId: 1 }, { favoritesCount: 1000 }, { slug: 'chosen' }, { createdAt: '2000-01-01T00:00:00Z' }]) {
      const res = await client.post('/api/articles', { article: { title: 'Mass', description: 'd', body: 'b', ...extra } });
      expect(res.status).toBe(422);
      expect(res.body.errors[Object.keys(extra)[0]]).toEqual(['is not an allowed field']);
    }
    expect((await client.post('/api/articles', { article: { title: 'Mass', description: 'd', body: 'b' }, author: 'x' })).status).toBe(422);
    expect((await app.db.query('SELECT count(*)::int AS n FROM articles')).rows[0].n).toBe(before);

    const article = await createArticle(client, { title: 'Keep me' });
    const update = await client.put(`/api/articles/${article.slug}`, { article: { body: 'new', favoritesCount: 99, authorId: 1 } });
    expect(update.status).toBe(422);
    const after = await app.api.get(`/api/articles/${article.slug}`);
    expect(after.body.article).toMatchObject({ body: 'Body ' + after.body.article.body.split(' ')[1], favoritesCount: 0 });
    expect(after.body.article.body).not.toBe('new');
  });

  it('requires a token to write (401)', async () => {
    const { client } = await app.api.actingAsNewUser('owner401');
    const article = await createArticle(client);
    expect((await app.api.post('/api/articles', { article: { title: 't', description: 'd', body: 'b' } })).status).toBe(401);
    expect((await app.api.put(`/api/articles/${article.slug}`, { article: { body: 'x' } })).status).toBe(401);
    expect((await app.api.delete(`/api/articles/${article.slug}`)).status).toBe(401);
    expect((await app.api.post(`/api/articles/${article.slug}/favorite`)).status).toBe(401);
    expect((await app.api.get('/api/articles/feed')).status).toBe(401);
    expect((await app.api.as('not-a-token').get(`/api/articles/${article.slug}`)).status).toBe(401);
  });

  it('updates own article: fields, tags (tag_list and article_tags in sync) and a new slug for a new title', async () => {
    const { client } = await app.api.actingAsNewUser('editor');
    const article = await createArticle(client, { title: 'Original', tagList: ['old', 'keep'] });
    await new Promise((r) => setTimeout(r, 5));
    const body = await client.put(`/api/articles/${article.slug}`, { article: { body: 'With two hands' } });
    expect(body.status).toBe(200);
    expect(body.body.article).toMatchObject({ slug: article.slug, body: 'With two hands', title: 'Original', tagList: ['keep', 'old'] });
    expect(Date.parse(body.body.article.updatedAt)).toBeGreaterThan(Date.parse(article.updatedAt));

    const tags = await client.put(`/api/articles/${article.slug}`, { article: { tagList: ['new', 'keep'] } });
    expect(tags.status).toBe(200);
    expect(tags.body.article.tagList).toEqual(['keep', 'new']);
    const links = await app.db.query('SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id JOIN articles a ON a.id = at.article_id WHERE a.slug = $1 ORDER BY 1', [article.slug]);
    expect(links.rows.map((r) => r.name)).toEqual(['keep', 'new']);
    expect((await app.api.get('/api/articles?tag=old')).body.articlesCount).toBe(0);

    const renamed = await client.put(`/api/articles/${article.slug}`, { article: { title: 'Renamed Title' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.article.slug).toMatch(/^renamed-title-[0-9a-z]{6}$/);
    expect((await app.api.get(`/api/articles/${renamed.body.article.slug}`)).status).toBe(200);
    expect((await app.api.get(`/api/articles/${article.slug}`)).status).toBe(404);

    expect((await client.put(`/api/articles/${renamed.body.article.slug}`, { article: {} })).status).toBe(422);
    expect((await client.put('/api/articles/missing-slug', { article: { body: 'x' } })).status).toBe(404);
  });

  it("forbids editing or deleting someone else's article (403) and changes nothing", async () => {
    const owner = await app.api.actingAsNewUser('owner');
    const other = await app.api.actingAsNewUser('intruder');
    const article = await createArticle(owner.client, { title: 'Mine', body: 'original body' });
    const edit = await other.client.put(`/api/articles/${article.slug}`, { article: { body: 'hacked', title: 'Hacked' } });
    expect(edit.status).toBe(403);
    expect(edit.body).toEqual({ errors: { article: ['you are not allowed to change this'] } });
    const del = await other.client.delete(`/api/articles/${article.slug}`);
    expect(del.status).toBe(403);
    const after = await app.api.get(`/api/articles/${article.slug}`);
    expect(after.status).toBe(200);
    expect(after.body.article).toMatchObject({ body: 'original body', title: 'Mine', slug: article.slug });
  });

  it('deletes own article with 204 (comments and favorites go with it); unknown slug is 404', async () => {
    const { client } = await app.api.actingAsNewUser('deleter');
    const fan = await app.api.actingAsNewUser('fan');
    const article = await createArticle(client, { tagList: ['gone'] });
    expect((await fan.client.post(`/api/articles/${article.slug}/favorite`)).status).toBe(200);
    expect((await fan.client.post(`/api/articles/${article.slug}/comments`, { comment: { body: 'nice' } })).status).toBe(200);
    const res = await client.delete(`/api/articles/${article.slug}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect((await app.api.get(`/api/articles/${article.slug}`)).status).toBe(404);
    expect((await client.delete(`/api/articles/${article.slug}`)).status).toBe(404);
    const leftovers = await app.db.query(
      `SELECT (SELECT count(*) FROM favorites f JOIN users u ON u.id = f.user_id WHERE u.username = $1)::int AS favs,
              (SELECT count(*) FROM comments c JOIN users u ON u.id = c.author_id WHERE u.username = $1)::int AS comments`,
      [fan.username],
    );
    expect(leftovers.rows[0]).toEqual({ favs: 0, comments: 0 });
    expect((await app.api.get('/api/tags')).body.tags).not.toContain('gone');
  });
});
