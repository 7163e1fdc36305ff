import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ack, connectChat, deleteRedisKeys, type ChatClient } from '../chat/support/chat-client.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

/**
 * Object-level authorization: for every route that takes an id, slug or username, a second
 * user (mallory) tries to read alice's private data or change/delete her objects. Each attempt
 * gets 403 or 404 and the database is byte-for-byte unchanged (snapshot of every table before
 * and after). Routes covered: PUT/DELETE /articles/:slug, POST/DELETE /articles/:slug/favorite,
 * POST/DELETE /articles/:slug/comments(/:id), POST/DELETE /profiles/:username/follow,
 * GET /chat/rooms/:id/messages (+ the socket send/leave events), GET /images/:file, and the
 * id-less "own account" routes (GET/PUT /user, GET /articles/feed).
 */
describe('object-level authorization (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let sql: pg.Client;
  let alice: Awaited<ReturnType<RecordingClient['actingAsNewUser']>> & { client: RecordingClient };
  let mallory: typeof alice;
  let carol: typeof alice;
  let slug: string;
  let commentId: number;
  let malloryArticle: string;
  let roomId: number;
  const sockets: ChatClient[] = [];

  /** Every row of every application table, in a stable order: "nothing changed" means equal snapshots. */
  async function snapshot(): Promise<Record<string, unknown[]>> {
    const tables = ['users', 'articles', 'tags', 'article_tags', 'favorites', 'follows', 'comments', 'chat_rooms', 'chat_members', 'chat_messages', 'idempotency_keys'];
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = (await sql.query(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows;
    return out;
  }

  /** Runs `attempt`, expects one of `statuses`, and proves the database did not change. */
  async function refused(attempt: () => Promise<{ status: number; body: any }>, statuses: number[]) {
    const before = await snapshot();
    const res = await attempt();
    expect(statuses, JSON.stringify(res.body)).toContain(res.status);
    expect(res.body?.errors, 'RealWorld error shape').toBeTypeOf('object');
    expect(await snapshot()).toEqual(before);
    return res;
  }

  beforeAll(async () => {
    t = await startTestApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000' });
    sql = new pg.Client({ connectionString: t.db.url });
    await sql.connect();
    api = new RecordingClient(t.url);
    alice = (await api.actingAsNewUser('alice')) as typeof alice;
    mallory = (await api.actingAsNewUser('mallory')) as typeof alice;
    carol = (await api.actingAsNewUser('carol')) as typeof alice;
    slug = (await alice.client.post('/api/articles', { article: { title: 'Alice private draft', description: 'd', body: 'b', tagList: ['a'] } })).body.article.slug;
    commentId = (await alice.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'alice says' } })).body.comment.id;
    malloryArticle = (await mallory.client.post('/api/articles', { article: { title: 'Mallory own', description: 'd', body: 'b' } })).body.article.slug;
    expect((await alice.client.post(`/api/articles/${slug}/favorite`)).status).toBe(200);
    expect((await alice.client.post(`/api/profiles/${carol.username}/follow`)).status).toBe(200);
    const room = await alice.client.post('/api/chat/rooms', { room: { name: 'alice-only' } });
    expect(room.status).toBe(201);
    roomId = room.body.room.id;
    const aliceId = (await sql.query('SELECT id FROM users WHERE username = $1', [alice.username])).rows[0].id;
    await sql.query(`INSERT INTO chat_messages (room_id, author_id, body) VALUES ($1, $2, 'secret room message')`, [roomId, aliceId]);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await sql?.end();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it("articles: mallory cannot update or delete alice's article (403), with or without a title change", async () => {
    await refused(() => mallory.client.put(`/api/articles/${slug}`, { article: { body: 'pwned' } }), [403]);
    await refused(() => mallory.client.put(`/api/articles/${slug}`, { article: { title: 'Stolen title' } }), [403]);
    await refused(() => mallory.client.put(`/api/articles/${slug}`, { article: { tagList: [] } }), [403]);
    await refused(() => mallory.client.delete(`/api/articles/${slug}`), [403]);
    // Anonymous: 401, also nothing changes.
    await refused(() => api.as(undefined).put(`/api/articles/${slug}`, { article: { body: 'anon' } }), [401]);
    await refused(() => api.as(undefined).delete(`/api/articles/${slug}`), [401]);
  });

  it("comments: mallory cannot delete alice's comment, neither through its article nor through her own article", async () => {
    await refused(() => mallory.client.delete(`/api/articles/${slug}/comments/${commentId}`), [403]);
    // Owning the article in the path must not grant rights over a comment of another article.
    await refused(() => mallory.client.delete(`/api/articles/${malloryArticle}/comments/${commentId}`), [404]);
    await refused(() => mallory.client.delete(`/api/articles/${slug}/comments/${commentId + 1000}`), [404]);
    await refused(() => api.as(undefined).delete(`/api/articles/${slug}/comments/${commentId}`), [401]);
  });

  it("comments: the author of an article cannot delete someone else's comment on it", async () => {
    const onAlice = (await mallory.client.post(`/api/articles/${slug}/comments`, { comment: { body: 'mallory on alice' } })).body.comment.id;
    await refused(() => alice.client.delete(`/api/articles/${slug}/comments/${onAlice}`), [403]);
  });

  it("favorites: mallory's unfavorite never removes alice's favorite; the counter counts people", async () => {
    // Favorites are per caller: unfavoriting acts on mallory's own (absent) row, a no-op 200.
    const before = await snapshot();
    const res = await mallory.client.delete(`/api/articles/${slug}/favorite`);
    expect(res.status).toBe(200);
    expect(res.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
    expect(await snapshot()).toEqual(before);
    await refused(() => mallory.client.delete('/api/articles/no-such-slug/favorite'), [404]);
    await refused(() => mallory.client.post('/api/articles/no-such-slug/favorite'), [404]);
    await refused(() => api.as(undefined).delete(`/api/articles/${slug}/favorite`), [401]);
    await refused(() => api.as(undefined).post(`/api/profiles/${carol.username}/follow`), [401]);
  });

  it("follows: mallory's unfollow of carol never removes alice's follow", async () => {
    const before = await snapshot();
    const res = await mallory.client.delete(`/api/profiles/${carol.username}/follow`);
    expect(res.status).toBe(200);
    expect(res.body.profile.following).toBe(false);
    expect(await snapshot()).toEqual(before);
    // And the profile seen by mallory does not reveal alice's follow as hers.
    expect((await mallory.client.get(`/api/profiles/${carol.username}`)).body.profile.following).toBe(false);
    expect((await alice.client.get(`/api/profiles/${carol.username}`)).body.profile.following).toBe(true);
  });

  it("chat: a non-member cannot read a room's history (403), an unknown room is 404, no message leaks", async () => {
    const res = await refused(() => mallory.client.get(`/api/chat/rooms/${roomId}/messages`), [403]);
    expect(JSON.stringify(res.body)).not.toContain('secret room message');
    await refused(() => mallory.client.get(`/api/chat/rooms/${roomId}/messages?before=999999&limit=100`), [403]);
    await refused(() => mallory.client.get(`/api/chat/rooms/${roomId + 1000}/messages`), [404]);
    await refused(() => api.as(undefined).get(`/api/chat/rooms/${roomId}/messages`), [401]);
    // The member sees it (the refusal above is about membership, not a broken route).
    const own = await alice.client.get(`/api/chat/rooms/${roomId}/messages`);
    expect(own.status).toBe(200);
    expect(own.body.messages.map((m: { body: string }) => m.body)).toContain('secret room message');
  });

  it('chat sockets: a non-member cannot post into or remove members from a room', async () => {
    const socket = await connectChat(t.url, { token: mallory.token, reconnection: false });
    sockets.push(socket);
    const before = await snapshot();
    const sent = await ack(socket, 'message:send', { roomId, body: 'intrusion' });
    expect(sent.ok).toBe(false);
    expect(sent.code).toBe('forbidden');
    await ack(socket, 'room:leave', { roomId }).catch(() => undefined); // leaving only ever removes yourself
    expect(await snapshot()).toEqual(before);
  });

  it('images: names are validated content ids; traversal and other ids are 404, never a file from disk', async () => {
    for (const path of ['/api/images/..%2f..%2f..%2fetc%2fpasswd', '/api/images/%2e%2e%2fpackage.json', '/api/images/0000.webp', `/api/images/${'a'.repeat(300)}`]) {
      const res = await api.get(path);
      expect([400, 404], path).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toMatch(/root:|"dependencies"/);
    }
  });

  it("own-account routes never reach another user: /user and the feed are the caller's", async () => {
    const me = await mallory.client.get('/api/user');
    expect(me.body.user.username).toBe(mallory.username);
    expect(me.body.user.email).toBe(mallory.email);
    const feed = await mallory.client.get('/api/articles/feed');
    expect(feed.status).toBe(200);
    expect(feed.body.articles).toEqual([]); // mallory follows nobody; alice's articles are not hers
    // Other users' emails are never exposed by public reads.
    const profile = await mallory.client.get(`/api/profiles/${alice.username}`);
    expect(JSON.stringify(profile.body)).not.toContain(alice.email);
    const article = await mallory.client.get(`/api/articles/${slug}`);
    expect(JSON.stringify(article.body)).not.toContain(alice.email);
  });

  it('no response in this file contained a password hash', () => {
    expect(api.log.length).toBeGreaterThan(30);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
