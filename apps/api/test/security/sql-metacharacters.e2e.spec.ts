import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ack, connectChat, deleteRedisKeys } from '../chat/support/chat-client.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

/** Strings that break naive SQL (quotes, comments, LIKE wildcards, escapes, NUL, odd unicode). */
const NASTY = [
  "'",
  "''",
  '"',
  "' OR '1'='1",
  "'; DROP TABLE articles;--",
  ';--',
  '--',
  '/*',
  '*/',
  '%',
  '_',
  '%_%',
  '\\',
  '\\\\',
  "\\'",
  '$1',
  '$$',
  '::text',
  "E'\\x00'",
  '\u0000',
  'a\u0000b',
  '\u202e',
  '\ud83d\ude00',
  'ǅ',
  '\uffff',
  '\u00a0',
  'NULL',
  'null',
  '[]',
  '{}',
  '%00',
];

/**
 * Query and path parameters full of SQL metacharacters: never a 5xx, and they behave literally
 * (a tag "50%_off'" matches only itself; "%" and "_" are not wildcards; a quote is a character).
 */
describe('SQL metacharacters in query and path parameters (e2e)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let alice: RecordingClient;
  let username: string;
  const literalTag = "50%_off'; --\\";

  beforeAll(async () => {
    // Chat's per-socket message rate is not under test here (chat-security.spec.ts covers it).
    t = await startTestApp({ CHAT_MESSAGE_RATE_PER_SECOND: '1000', CHAT_MESSAGE_BURST: '1000' });
    api = new RecordingClient(t.url);
    const user = await api.actingAsNewUser('meta');
    alice = user.client as RecordingClient;
    username = user.username;
    const created = await alice.post('/api/articles', { article: { title: 'It\'s 100% "quoted"; --', description: "d'", body: "b\\'", tagList: [literalTag, 'plain'] } });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('list filters (tag, author, favorited) take them literally: no 5xx, no wildcard matches', async () => {
    for (const value of NASTY) {
      for (const param of ['tag', 'author', 'favorited']) {
        const res = await alice.get(`/api/articles?${param}=${encodeURIComponent(value)}`);
        expect([200, 422], `${param}=${JSON.stringify(value)}: ${res.status}`).toContain(res.status);
        // A value that trims to nothing (e.g. a no-break space) means "no filter", as RealWorld clients send `?tag=`.
        if (res.status === 200) expect(res.body.articlesCount, `${param}=${JSON.stringify(value)}`).toBe(value.trim() === '' ? 1 : 0);
      }
    }
    // The literal tag finds exactly its article; its wildcard-looking pieces find nothing.
    const exact = await api.get(`/api/articles?tag=${encodeURIComponent(literalTag)}`);
    expect(exact.status).toBe(200);
    expect(exact.body.articlesCount).toBe(1);
    expect(exact.body.articles[0].tagList).toContain(literalTag);
    for (const partial of ['50%', '50_', '%', '50%_off', "50%_off'"]) expect((await api.get(`/api/articles?tag=${encodeURIComponent(partial)}`)).body.articlesCount).toBe(0);
    expect((await api.get(`/api/articles?author=${encodeURIComponent(username.slice(0, 3) + '%')}`)).body.articlesCount).toBe(0);
    expect((await api.get(`/api/articles?author=${encodeURIComponent(username)}`)).body.articlesCount).toBe(1);
    expect((await api.get('/api/tags')).body.tags).toContain(literalTag);
  });

  it('path parameters (slug, username, comment id, room id) are 404 or 422, never 5xx', async () => {
    for (const value of NASTY) {
      const v = encodeURIComponent(value);
      const requests = [
        ['GET', `/api/articles/${v}`],
        ['PUT', `/api/articles/${v}`],
        ['DELETE', `/api/articles/${v}`],
        ['POST', `/api/articles/${v}/favorite`],
        ['DELETE', `/api/articles/${v}/favorite`],
        ['GET', `/api/articles/${v}/comments`],
        ['POST', `/api/articles/${v}/comments`],
        ['DELETE', `/api/articles/x/comments/${v}`],
        ['GET', `/api/profiles/${v}`],
        ['POST', `/api/profiles/${v}/follow`],
        ['DELETE', `/api/profiles/${v}/follow`],
        ['GET', `/api/chat/rooms/${v}/messages`],
        ['GET', `/api/chat/rooms/1/messages?before=${v}`],
        ['GET', `/api/images/${v}`],
      ] as const;
      for (const [method, path] of requests) {
        const body = method === 'PUT' ? { article: { body: 'x' } } : method === 'POST' && path.endsWith('/comments') ? { comment: { body: 'x' } } : undefined;
        const res = await alice.request(method, path, body);
        expect(res.status, `${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('bodies with metacharacters are stored and returned verbatim (or refused with 422 for NUL)', async () => {
    for (const value of NASTY) {
      const res = await alice.post('/api/articles', { article: { title: `t ${value} x`, description: `d ${value}`, body: `b ${value}`, tagList: [`g${value}`] } });
      expect(res.status, `${JSON.stringify(value)} -> ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
      if (res.status === 201) {
        const read = await api.get(`/api/articles/${encodeURIComponent(res.body.article.slug)}`);
        // Text fields are trimmed on input (article.schemas.ts); otherwise verbatim.
        expect(read.body.article.body).toBe(`b ${value}`.trim());
        expect(read.body.article.description).toBe(`d ${value}`.trim());
        const comment = await alice.post(`/api/articles/${encodeURIComponent(res.body.article.slug)}/comments`, { comment: { body: `c ${value}` } });
        expect(comment.status).toBe(200);
        expect(comment.body.comment.body).toBe(`c ${value}`.trim());
      } else {
        expect(res.status).toBe(422);
      }
    }
    const profile = await alice.put('/api/user', { user: { bio: "'; DROP TABLE users; --" } });
    expect(profile.body.user.bio).toBe("'; DROP TABLE users; --");
  });

  it('chat: room names and messages with metacharacters are stored verbatim; NUL is refused as invalid, not internal', async () => {
    const token = (await alice.get('/api/user')).body.user.token;
    const socket = await connectChat(t.url, { token, reconnection: false });
    try {
      const room = await ack(socket, 'room:create', { name: "r'; DROP TABLE chat_rooms;--" });
      expect(room).toMatchObject({ ok: true, room: { name: "r'; DROP TABLE chat_rooms;--" } });
      expect((await ack(socket, 'room:join', { roomId: room.room.id })).ok).toBe(true);
      for (const value of NASTY) {
        const sent = await ack(socket, 'message:send', { roomId: room.room.id, body: `m ${value}` });
        if (value.includes('\u0000')) expect(sent, JSON.stringify(value)).toMatchObject({ ok: false, code: 'invalid' });
        else expect(sent, JSON.stringify(value)).toMatchObject({ ok: true, message: { body: `m ${value}` } });
      }
      expect(await ack(socket, 'room:create', { name: 'a\u0000b' })).toMatchObject({ ok: false, code: 'invalid' });
      const rest = await alice.post('/api/chat/rooms', { room: { name: 'b\u0000c' } });
      expect(rest.status).toBe(422);
    } finally {
      socket.disconnect();
    }
  });

  it('no 5xx anywhere in this file', () => {
    expect(api.log.length).toBeGreaterThan(500);
    expect(api.log.filter((r) => r.status >= 500).map((r) => `${r.request.slice(0, 100)} -> ${r.status}`)).toEqual([]);
  });

  it('no response in this file contained a password hash', () => {
    expect(api.log.length).toBeGreaterThan(10);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
