import { ApiClient } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The password-hashing bulkhead (apps/api/src/auth/hashing-bulkhead.ts) through the real HTTP
 * stack: a burst of sign-ins beyond one running hash and an empty queue is refused with a 503 +
 * Retry-After in the RealWorld error shape, never a 401 or a 500; the same burst with room to
 * queue is served in full.
 */
async function loginBurst(url: string, n: number) {
  const api = new ApiClient(url);
  return Promise.all(Array.from({ length: n }, () => api.post('/api/users/login', { user: { email: 'burst@example.test', password: 'password-123' } })));
}

describe('password hashing bulkhead (e2e)', () => {
  describe('no queue', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_MAX_QUEUED: '0', RATE_LIMIT_ENABLED: 'false' });
      expect((await new ApiClient(t.url).post('/api/users', { user: { username: 'burst', email: 'burst@example.test', password: 'password-123' } })).status).toBe(201);
    });
    afterAll(() => t?.close());

    it('refuses what cannot start with a 503 + Retry-After, and serves the rest', async () => {
      const responses = await loginBurst(t.url, 40);
      const statuses = responses.map((r) => r.status);
      expect(
        statuses.every((s) => s === 200 || s === 503),
        statuses.join(','),
      ).toBe(true);
      expect(statuses).toContain(200);
      const refused = responses.find((r) => r.status === 503)!;
      expect(refused).toBeDefined();
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toEqual({ errors: { server: ['sign-ins are busy, please retry'] } });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/password_hash_refused_total\{reason="queue_full"\} [1-9]/);
    });
  });

  describe('with room to queue (the check can fail: same burst, all served)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_MAX_QUEUED: '100', PASSWORD_HASH_MAX_WAIT_MS: '60000', RATE_LIMIT_ENABLED: 'false' });
      expect((await new ApiClient(t.url).post('/api/users', { user: { username: 'burst', email: 'burst@example.test', password: 'password-123' } })).status).toBe(201);
    });
    afterAll(() => t?.close());

    it('serves every sign-in of the burst', async () => {
      const responses = await loginBurst(t.url, 40);
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    });
  });
});
