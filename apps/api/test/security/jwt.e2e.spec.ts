import { SignJWT, generateKeyPair } from 'jose';
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { connectChat, deleteRedisKeys } from '../chat/support/chat-client.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/**
 * JWT attacks against `Authorization: Token <jwt>` (HS256 pinned in auth/token.service.ts):
 * every forged, expired, not-yet-valid, tampered or orphaned token is a 401 on a required-auth
 * route, an optional-auth route, a write, and the chat handshake. The users e2e already checks
 * alg none and a broken signature on GET /user; this file covers the full list everywhere.
 */
describe('JWT validation (e2e)', () => {
  let t: TestApp;
  let api: RecordingClient;
  let sql: pg.Client;
  let secret: Uint8Array;
  let user: { id: number; username: string; token: string };

  const sign = (claims: Record<string, unknown>, alg = 'HS256', key: Uint8Array | Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] = secret) =>
    new SignJWT({ username: user.username, ...claims }).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
  const valid = (extra: Record<string, unknown> = {}) => sign({ sub: String(user.id), iat: now(), exp: now() + 600, ...extra });

  /** Required auth, optional auth (an invalid token is still a 401 there), a write, and the socket handshake. */
  async function expectRejectedEverywhere(token: string, label: string) {
    const client = api.as(token);
    const before = (await sql.query('SELECT count(*)::int AS n FROM articles')).rows[0].n;
    expect((await client.get('/api/user')).status, `${label}: GET /user`).toBe(401);
    expect((await client.get('/api/articles')).status, `${label}: GET /articles (optional auth)`).toBe(401);
    expect((await client.get('/api/articles/feed')).status, `${label}: feed`).toBe(401);
    const write = await client.post('/api/articles', { article: { title: label, description: 'd', body: 'b' } });
    expect(write.status, `${label}: POST /articles`).toBe(401);
    expect(write.body).toEqual({ errors: { token: [expect.any(String)] } });
    expect((await sql.query('SELECT count(*)::int AS n FROM articles')).rows[0].n).toBe(before);
    await expect(connectChat(t.url, { token, reconnection: false }), `${label}: chat handshake`).rejects.toThrow();
  }

  beforeAll(async () => {
    // AUTH_USER_RECHECK_MS=0: the deleted-user check runs on every request here, so the test sees
    // the deletion at once (production default: within 30 s per instance, see token.service.ts).
    t = await startTestApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000', AUTH_USER_RECHECK_MS: '0' });
    secret = new TextEncoder().encode(t.config.JWT_SECRET);
    sql = new pg.Client({ connectionString: t.db.url });
    await sql.connect();
    api = new RecordingClient(t.url);
    const created = await api.actingAsNewUser('jwt');
    user = { id: (await sql.query('SELECT id FROM users WHERE username = $1', [created.username])).rows[0].id, username: created.username, token: created.token };
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  it('control: a correctly signed token is accepted everywhere (the rejections below are not vacuous)', async () => {
    const token = await valid();
    expect((await api.as(token).get('/api/user')).status).toBe(200);
    expect((await api.as(token).get('/api/articles')).status).toBe(200);
    const socket = await connectChat(t.url, { token, reconnection: false });
    socket.disconnect();
  });

  it('alg "none" (with and without a signature part) is 401', async () => {
    const payload = b64({ sub: String(user.id), username: user.username, iat: now(), exp: now() + 600 });
    for (const header of [{ alg: 'none', typ: 'JWT' }, { alg: 'None' }, { alg: 'NONE' }]) {
      await expectRejectedEverywhere(`${b64(header)}.${payload}.`, `alg ${header.alg}`);
    }
  });

  it('wrong algorithms are 401: HS512 and HS384 with the right secret, RS256 and ES256 with their own keys', async () => {
    await expectRejectedEverywhere(await sign({ sub: String(user.id), iat: now(), exp: now() + 600 }, 'HS512'), 'HS512');
    await expectRejectedEverywhere(await sign({ sub: String(user.id), iat: now(), exp: now() + 600 }, 'HS384'), 'HS384');
    const rsa = await generateKeyPair('RS256');
    await expectRejectedEverywhere(await sign({ sub: String(user.id), iat: now(), exp: now() + 600 }, 'RS256', rsa.privateKey), 'RS256');
    const ec = await generateKeyPair('ES256');
    await expectRejectedEverywhere(await sign({ sub: String(user.id), iat: now(), exp: now() + 600 }, 'ES256', ec.privateKey), 'ES256');
  });

  it('algorithm confusion: an RS256 header over an HMAC made with the server secret is 401', async () => {
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: String(user.id), username: user.username, iat: now(), exp: now() + 600 })}`;
    const signature = createHmac('sha256', t.config.JWT_SECRET).update(input).digest('base64url');
    await expectRejectedEverywhere(`${input}.${signature}`, 'RS256 header, HS256 signature');
  });

  it('a wrong signature (another secret, or a flipped byte) is 401', async () => {
    await expectRejectedEverywhere(
      await new SignJWT({ username: user.username })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(user.id))
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('another-secret-another-secret-xx')),
      'other secret',
    );
    const [h, p, s] = (await valid()).split('.');
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    await expectRejectedEverywhere(`${h}.${p}.${flipped}`, 'flipped signature');
  });

  it('expired, not yet valid (nbf in the future) and issued in the future are 401', async () => {
    await expectRejectedEverywhere(await valid({ iat: now() - 7200, exp: now() - 3600 }), 'expired');
    await expectRejectedEverywhere(await valid({ nbf: now() + 3600 }), 'nbf in the future');
    await expectRejectedEverywhere(await valid({ iat: now() + 3600, exp: now() + 7200 }), 'iat in the future');
  });

  it('missing or malformed claims are 401 (no exp, no iat, no sub, non-numeric or negative sub)', async () => {
    await expectRejectedEverywhere(await sign({ sub: String(user.id), iat: now() }), 'no exp');
    await expectRejectedEverywhere(await sign({ sub: String(user.id), exp: now() + 600 }), 'no iat');
    await expectRejectedEverywhere(await sign({ iat: now(), exp: now() + 600 }), 'no sub');
    for (const sub of ['abc', '-1', '0', '1.5', '9007199254740993', "1' OR '1'='1"]) {
      await expectRejectedEverywhere(await valid({ sub }), `sub ${sub}`);
    }
  });

  it('a tampered payload (sub or username changed, signature kept) is 401', async () => {
    const other = await api.actingAsNewUser('victim');
    const victimId = (await sql.query('SELECT id FROM users WHERE username = $1', [other.username])).rows[0].id;
    const [h, , s] = user.token.split('.');
    const claims = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString());
    await expectRejectedEverywhere(`${h}.${b64({ ...claims, sub: String(victimId) })}.${s}`, 'sub changed');
    await expectRejectedEverywhere(`${h}.${b64({ ...claims, username: other.username })}.${s}`, 'username changed');
    await expectRejectedEverywhere(`${h}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${s}`, 'exp extended');
  });

  it('a valid token of a deleted user is 401 (not 404 or 500), and creates nothing', async () => {
    const doomed = await api.actingAsNewUser('doomed');
    const client = api.as(doomed.token);
    expect((await client.get('/api/user')).status).toBe(200);
    // The cached-read fast path has now verified this token once (and remembers it).
    expect((await client.get('/api/articles')).status).toBe(200);
    await sql.query('DELETE FROM users WHERE username = $1', [doomed.username]);
    const me = await client.get('/api/user');
    expect(me.status).toBe(401);
    // The remembered token is not enough there either: the user is checked again.
    expect((await client.get('/api/articles')).status).toBe(401);
    const before = (await sql.query('SELECT count(*)::int AS n FROM articles')).rows[0].n;
    const write = await client.post('/api/articles', { article: { title: 'ghost', description: 'd', body: 'b' } });
    expect(write.status).toBe(401);
    expect((await client.put('/api/user', { user: { bio: 'ghost' } })).status).toBe(401);
    expect((await client.get('/api/articles/feed')).status).toBe(401);
    expect((await sql.query('SELECT count(*)::int AS n FROM articles')).rows[0].n).toBe(before);
    await expect(connectChat(t.url, { token: doomed.token, reconnection: false })).rejects.toThrow();
  });

  it('no response in this file contained a password hash', () => {
    expect(api.log.length).toBeGreaterThan(10);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
