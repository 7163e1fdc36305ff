import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ack, connectChat, deleteRedisKeys, type ChatClient } from '../chat/support/chat-client.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

/** Fields a client must never set: identities, ownership, counters, timestamps, secrets, roles. */
const PRIVILEGED = [
  'id',
  'authorId',
  'author_id',
  'author',
  'userId',
  'passwordHash',
  'password_hash',
  'favoritesCount',
  'favorited',
  'createdAt',
  'updatedAt',
  'slug',
  'email',
  'username',
  'token',
  'following',
  'articleId',
  'createdById',
  'role',
  'isAdmin',
];

interface BodyRoute {
  name: string;
  method: 'POST' | 'PUT';
  path: () => string;
  /** Wrapper key ("user", "article", ...) and a valid inner body. */
  wrapper: string;
  valid: () => Record<string, unknown>;
  /** Fields this route legitimately accepts (excluded from the privileged list). */
  allowed: string[];
  auth: 'alice' | 'none';
}

/**
 * Mass assignment: every body-taking REST route (and the chat socket events) rejects unknown and
 * privileged fields, at the wrapper level and inside it, with 422 naming the field, and the
 * database does not change at all (snapshot of every table). A valid body is accepted by each
 * route afterwards, so the refusals are not just a broken route. Ends with a scan of every
 * response received for anything looking like a password hash.
 */
describe('mass assignment (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let sql: pg.Client;
  let alice: RecordingClient;
  let slug: string;
  let counter = 0;
  const sockets: ChatClient[] = [];

  const snapshot = async () => {
    const out: Record<string, unknown[]> = {};
    for (const table of ['users', 'articles', 'tags', 'article_tags', 'favorites', 'follows', 'comments', 'chat_rooms', 'chat_members', 'chat_messages', 'idempotency_keys']) {
      out[table] = (await sql.query(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows;
    }
    return out;
  };

  const unique = () => `m${++counter}${Date.now().toString(36)}`;
  const routes: BodyRoute[] = [
    {
      name: 'register',
      method: 'POST',
      path: () => '/api/users',
      wrapper: 'user',
      auth: 'none',
      allowed: ['email', 'username'],
      valid: () => {
        const u = unique();
        return { username: u, email: `${u}@example.test`, password: 'password-123' };
      },
    },
    { name: 'login', method: 'POST', path: () => '/api/users/login', wrapper: 'user', auth: 'none', allowed: ['email'], valid: () => ({ email: 'nobody@example.test', password: 'password-123' }) },
    { name: 'update user', method: 'PUT', path: () => '/api/user', wrapper: 'user', auth: 'alice', allowed: ['email', 'username'], valid: () => ({ bio: `bio ${unique()}` }) },
    {
      name: 'create article',
      method: 'POST',
      path: () => '/api/articles',
      wrapper: 'article',
      auth: 'alice',
      allowed: [],
      valid: () => ({ title: `T ${unique()}`, description: 'd', body: 'b', tagList: ['x'] }),
    },
    { name: 'update article', method: 'PUT', path: () => `/api/articles/${slug}`, wrapper: 'article', auth: 'alice', allowed: [], valid: () => ({ body: `b ${unique()}` }) },
    { name: 'create comment', method: 'POST', path: () => `/api/articles/${slug}/comments`, wrapper: 'comment', auth: 'alice', allowed: [], valid: () => ({ body: `c ${unique()}` }) },
    { name: 'create chat room', method: 'POST', path: () => '/api/chat/rooms', wrapper: 'room', auth: 'alice', allowed: [], valid: () => ({ name: `r ${unique()}` }) },
  ];

  beforeAll(async () => {
    t = await startTestApp();
    sql = new pg.Client({ connectionString: t.db.url });
    await sql.connect();
    api = new RecordingClient(t.url);
    alice = (await api.actingAsNewUser('alice')).client as RecordingClient;
    slug = (await alice.post('/api/articles', { article: { title: 'Target', description: 'd', body: 'b' } })).body.article.slug;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await sql?.end();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  for (const route of routes) {
    it(`${route.name}: every privileged or unknown field, inside and beside "${route.wrapper}", is a 422 that changes nothing`, async () => {
      const client = route.auth === 'alice' ? alice : api;
      const send = (body: unknown) => (route.method === 'POST' ? client.post(route.path(), body) : client.put(route.path(), body));
      const before = await snapshot();
      let attempts = 0;
      for (const field of PRIVILEGED.filter((f) => !route.allowed.includes(f))) {
        for (const body of [{ [route.wrapper]: { ...route.valid(), [field]: field === 'author' ? { username: 'x' } : 1 } }, { [route.wrapper]: route.valid(), [field]: 1 }]) {
          const res = await send(body);
          attempts++;
          expect(res.status, `${route.name} + ${field}: ${JSON.stringify(res.body)}`).toBe(422);
          expect(res.body.errors[field]).toEqual(['is not an allowed field']);
        }
      }
      // Prototype poisoning keys never reach an object (Fastify's parser refuses them: 400).
      for (const raw of [
        `{"${route.wrapper}":${JSON.stringify(route.valid()).slice(0, -1)},"__proto__":{"isAdmin":true}}}`,
        `{"${route.wrapper}":${JSON.stringify(route.valid()).slice(0, -1)},"constructor":{"prototype":{"isAdmin":true}}}}`,
      ]) {
        const res = await client.request(route.method, route.path(), raw);
        expect([400, 422], raw).toContain(res.status);
      }
      expect(attempts).toBeGreaterThan(30);
      expect(await snapshot()).toEqual(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      // The route itself works with a valid body (login answers 401 for an unknown account).
      const ok = await send({ [route.wrapper]: route.valid() });
      expect([200, 201, ...(route.name === 'login' ? [401] : [])], JSON.stringify(ok.body)).toContain(ok.status);
    });
  }

  it('body-less routes (favorite, follow) ignore a body: counters and ownership come from the server only', async () => {
    const bob = await api.actingAsNewUser('bob');
    const res = await bob.client.post(`/api/articles/${slug}/favorite`, { article: { favoritesCount: 1000 }, favoritesCount: 1000, userId: 1 });
    expect(res.status).toBe(200);
    expect(res.body.article.favoritesCount).toBe(1);
    const rows = (await sql.query('SELECT u.username FROM favorites f JOIN users u ON u.id = f.user_id')).rows;
    expect(rows).toEqual([{ username: bob.username }]);
  });

  it('chat socket events reject unknown and privileged fields and store nothing', async () => {
    const token = (await alice.get('/api/user')).body.user.token;
    const socket = await connectChat(t.url, { token, reconnection: false });
    sockets.push(socket);
    const room = await ack(socket, 'room:create', { name: 'mass-room' });
    expect(room.ok).toBe(true);
    const before = await snapshot();
    for (const [event, payload] of [
      ['room:create', { name: 'other', id: 1 }],
      ['room:create', { name: 'other', createdById: 1 }],
      ['room:join', { roomId: room.room.id, userId: 1 }],
      ['message:send', { roomId: room.room.id, body: 'x', authorId: 1 }],
      ['message:send', { roomId: room.room.id, body: 'x', id: 1, createdAt: '2000-01-01' }],
    ] as const) {
      const res = await ack(socket, event, payload);
      expect(res.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
      expect(res.code).toBe('invalid');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('no response anywhere in this file contained a password hash (and the scan can see one)', async () => {
    expect(api.log.length).toBeGreaterThan(250);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
    // The detector is not vacuous: a real hash from the database is flagged.
    const hash = (await sql.query('SELECT password_hash FROM users LIMIT 1')).rows[0].password_hash as string;
    expect(responsesLeakingPasswordHashes([{ request: 'x', status: 200, text: JSON.stringify({ user: { hash } }) }])).toHaveLength(1);
    expect(responsesLeakingPasswordHashes([{ request: 'x', status: 200, text: '{"user":{"passwordHash":"x"}}' }])).toHaveLength(1);
  });
});
