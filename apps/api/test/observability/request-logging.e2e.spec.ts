import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Request logging (apps/api/src/bootstrap/request-logging.ts): at info, an ordinary request writes
 * no log line (Fastify's two lines per request were the hot path's largest avoidable cost); a
 * slow one writes one warn line with route, status and duration; at debug every request is logged.
 */
describe('request logging (e2e)', () => {
  describe('LOG_LEVEL=info', () => {
    let t: TestApp;
    beforeAll(async () => {
      // 10 ms: a registration hashes a password (~25 ms of CPU), so it is slow by construction on any box.
      t = await startTestApp({ LOG_LEVEL: 'info', LOG_SLOW_REQUEST_MS: '10' });
    });
    afterAll(() => t?.close());

    it("writes none of Fastify's per-request lines, and one warn line for a slow request", async () => {
      for (let i = 0; i < 5; i++) expect((await fetch(`${t.url}/api/tags`)).status).toBe(200);
      expect(t.logs.some((l) => /"msg":"(incoming request|request completed)"/.test(l))).toBe(false);
      const res = await fetch(`${t.url}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: { username: 'slowlog', email: 'slowlog@example.test', password: 'password-123' } }),
      });
      expect(res.status).toBe(201);
      const slow = t.logs.filter((l) => l.includes('"msg":"slow request"') && l.includes('"route":"/api/users"'));
      expect(slow).toHaveLength(1);
      expect(JSON.parse(slow[0])).toMatchObject({ level: 40, method: 'POST', route: '/api/users', statusCode: 201, reqId: expect.any(String) });
      expect(slow[0]).not.toContain('password-123');
    });
  });

  describe('LOG_LEVEL=debug', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ LOG_LEVEL: 'debug' });
    });
    afterAll(() => t?.close());

    it("logs every request (Fastify's incoming and completed lines)", async () => {
      expect((await fetch(`${t.url}/api/tags`)).status).toBe(200);
      expect(t.logs.filter((l) => l.includes('"msg":"incoming request"') && l.includes('/api/tags'))).toHaveLength(1);
      expect(t.logs.filter((l) => l.includes('"msg":"request completed"'))).not.toHaveLength(0);
    });
  });
});
