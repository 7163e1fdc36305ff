import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ISO_8601, createArticle } from '../support/article-fixtures.js';
import { CommentRepository } from '../../src/comments/comment.repository.js';
import { useTestApp } from '../support/test-app.js';

describe('comments (e2e, real PostgreSQL)', () => {
  const app = useTestApp({ sql: true });

  it('creates (200, per the spec) and lists comments newest first, with the exact shape', async () => {
    const author = await app.api.actingAsNewUser('author');
    const reader = await app.api.actingAsNewUser('reader');
    const { slug } = await createArticle(author.client);
    const first = await reader.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'Thank you so much!' } });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(['comment']);
    expect(first.body.comment).toEqual({
      id: expect.any(Number),
      createdAt: expect.stringMatching(ISO_8601),
      updatedAt: expect.stringMatching(ISO_8601),
      body: 'Thank you so much!',
      author: { username: reader.username, bio: null, image: null, following: false },
    });
    const second = await author.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'You are welcome' } });

    const anon = await app.api.get(`/api/articles/${slug}/comments`);
    expect(anon.status).toBe(200);
    expect(anon.body.comments.map((c: { id: number }) => c.id)).toEqual([second.body.comment.id, first.body.comment.id]);

    await reader.client.post(`/api/profiles/${author.username}/follow`);
    const signed = await reader.client.get(`/api/articles/${slug}/comments`);
    expect(signed.body.comments.map((c: { author: { following: boolean } }) => c.author.following)).toEqual([true, false]);

    const other = await createArticle(author.client);
    expect((await app.api.get(`/api/articles/${other.slug}/comments`)).body).toEqual({ comments: [] });
  });

  it('validates the body (422), rejects unknown fields, requires a token (401), 404 on unknown slug', async () => {
    const user = await app.api.actingAsNewUser('writer');
    const { slug } = await createArticle(user.client);
    const blank = await user.client.post(`/api/articles/${slug}/comments`, { comment: { body: '   ' } });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { body: ["can't be blank"] } });
    const extra = await user.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'hi', authorId: 1, id: 5 } });
    expect(extra.status).toBe(422);
    expect(extra.body.errors).toEqual({ authorId: ['is not an allowed field'], id: ['is not an allowed field'] });
    expect((await app.api.post(`/api/articles/${slug}/comments`, { comment: { body: 'hi' } })).status).toBe(401);
    expect((await user.client.post('/api/articles/nope/comments', { comment: { body: 'hi' } })).status).toBe(404);
    expect((await app.api.get('/api/articles/nope/comments')).status).toBe(404);
    const count = (await app.db.query('SELECT count(*)::int AS n FROM comments c JOIN users u ON u.id = c.author_id WHERE u.username = $1', [user.username])).rows[0].n;
    expect(count).toBe(0);
  });

  it("deletes own comment (204); someone else's is 403 and stays; wrong article or id is 404; bad id 422", async () => {
    const author = await app.api.actingAsNewUser('owner');
    const stranger = await app.api.actingAsNewUser('stranger');
    const { slug } = await createArticle(author.client);
    const other = await createArticle(author.client);
    const mine = (await stranger.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'mine' } })).body.comment;

    // Not even the article's author may delete another user's comment.
    const forbidden = await author.client.delete(`/api/articles/${slug}/comments/${mine.id}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ errors: { comment: ['you are not allowed to change this'] } });
    expect((await app.api.get(`/api/articles/${slug}/comments`)).body.comments).toHaveLength(1);

    expect((await stranger.client.delete(`/api/articles/${other.slug}/comments/${mine.id}`)).status).toBe(404);
    expect((await stranger.client.delete(`/api/articles/nope/comments/${mine.id}`)).status).toBe(404);
    expect((await stranger.client.delete(`/api/articles/${slug}/comments/999999`)).status).toBe(404);
    expect((await stranger.client.delete(`/api/articles/${slug}/comments/abc`)).status).toBe(422);
    expect((await stranger.client.delete(`/api/articles/${slug}/comments/99999999999`)).status).toBe(422);
    expect((await app.api.delete(`/api/articles/${slug}/comments/${mine.id}`)).status).toBe(401);

    const ok = await stranger.client.delete(`/api/articles/${slug}/comments/${mine.id}`);
    expect(ok.status).toBe(204);
    expect((await app.api.get(`/api/articles/${slug}/comments`)).body.comments).toEqual([]);
    expect((await stranger.client.delete(`/api/articles/${slug}/comments/${mine.id}`)).status).toBe(404);
  });

  it("a comment racing with the deletion of its article is not stored (the insert's foreign key), and the repository says so", async () => {
    const author = await app.api.actingAsNewUser('raced');
    const { slug } = await createArticle(author.client);
    const { rows } = await app.db.query<{ author_id: number }>('SELECT author_id FROM articles WHERE slug = $1', [slug]);
    // The deletion holds the article's row lock, uncommitted: the comment's statement still sees
    // the article (its snapshot) and waits in its foreign-key check until the deletion commits.
    const deleter = new pg.Client({ connectionString: app.t.db.url });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('DELETE FROM articles WHERE slug = $1', [slug]);
      const pending = app.t.app.get(CommentRepository).createBySlug(slug, rows[0].author_id, 'too late');
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const lockWaits = await app.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        waiting = lockWaits.rowCount! > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(waiting).toBe(true);
      await deleter.query('COMMIT');
      expect(await pending).toBe('no-article');
    } finally {
      await deleter.end();
    }
    expect((await app.db.query('SELECT 1 FROM comments WHERE body = $1', ['too late'])).rowCount).toBe(0);
    expect((await author.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'after' } })).status).toBe(404);
  });
});
