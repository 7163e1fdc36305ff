import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';

describe('users and authentication (e2e, real PostgreSQL)', () => {
  // debug: every request is logged, so "never logs passwords or tokens" sees every request's lines.
  const app = useTestApp({ env: { LOG_LEVEL: 'debug' } });

  it('registers, logs in and reads the current user', async () => {
    const reg = await app.api.post('/api/users', { user: { username: 'alice', email: 'Alice@Example.test', password: 'password-123' } });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toMatchObject({ username: 'alice', email: 'alice@example.test', bio: null, image: null });
    expect(reg.body.user.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(reg.body)).not.toContain('password');

    const login = await app.api.post('/api/users/login', { user: { email: 'alice@example.test', password: 'password-123' } });
    expect(login.status).toBe(200);
    const me = await app.api.as(login.body.user.token).get('/api/user');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('alice');
  });

  it('rejects a wrong password with 401 and the RealWorld error shape', async () => {
    const res = await app.api.post('/api/users/login', { user: { email: 'alice@example.test', password: 'nope-nope-nope' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errors: { 'email or password': ['is invalid'] } });
  });

  it('returns 422 for duplicate email or username, never 500', async () => {
    const dupEmail = await app.api.post('/api/users', { user: { username: 'alice2', email: 'alice@example.test', password: 'password-123' } });
    expect(dupEmail.status).toBe(422);
    expect(dupEmail.body.errors.email).toEqual(['has already been taken']);
    const dupName = await app.api.post('/api/users', { user: { username: 'alice', email: 'other@example.test', password: 'password-123' } });
    expect(dupName.status).toBe(422);
    expect(dupName.body.errors.username).toEqual(['has already been taken']);
  });

  it('validates input field by field and rejects unknown fields', async () => {
    const res = await app.api.post('/api/users', { user: { username: '', email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'password', 'username']);
    const extra = await app.api.post('/api/users', { user: { username: 'eve', email: 'eve@example.test', password: 'password-123', id: 1 } });
    expect(extra.status).toBe(422);
    expect(extra.body.errors.id).toEqual(['is not an allowed field']);
    const overlong = await app.api.post('/api/users', { user: { username: 'eve', email: 'eve@example.test', password: 'x'.repeat(10_000) } });
    expect(overlong.status).toBe(422);
  });

  it('updates the current user, and the new password works', async () => {
    const { client, email } = await app.api.actingAsNewUser('upd');
    const res = await client.put('/api/user', { user: { bio: 'hello', image: 'https://example.test/a.png', password: 'new-password-1' } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ bio: 'hello', image: 'https://example.test/a.png' });
    expect((await app.api.post('/api/users/login', { user: { email, password: 'new-password-1' } })).status).toBe(200);
    const privileged = await client.put('/api/user', { user: { passwordHash: 'x' } });
    expect(privileged.status).toBe(422);
  });

  it('answers 401 for missing, malformed and forged tokens', async () => {
    expect((await app.api.get('/api/user')).status).toBe(401);
    expect((await app.api.as('garbage').get('/api/user')).status).toBe(401);
    const { token } = await app.api.actingAsNewUser('forge');
    const [h, p] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    expect((await app.api.as(none).get('/api/user')).status).toBe(401);
    expect((await app.api.as(`${h}.${p}.AAAA`).get('/api/user')).status).toBe(401);
  });

  it('never logs passwords or tokens', async () => {
    const { token, password } = await app.api.actingAsNewUser('logs');
    await app.api.as(token).get('/api/user');
    const all = app.t.logs.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(password);
    expect(all).toContain('"reqId"');
  });

  it('returns a request id header, 404 for unknown routes and 413 for oversized bodies', async () => {
    const res = await app.api.get('/api/does-not-exist', { 'x-request-id': 'trace-abc-123' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(res.body.errors).toBeTypeOf('object');
    const big = await app.api.post('/api/users', { user: { username: 'x', email: 'x@x.io', password: 'y'.repeat(app.t.config.BODY_LIMIT_BYTES) } });
    expect(big.status).toBe(413);
    expect(big.body.errors.body).toBeDefined();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
