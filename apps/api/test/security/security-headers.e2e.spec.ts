import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../src/bootstrap/security-headers.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Security headers (src/bootstrap/security-headers.ts): computed once from @fastify/helmet and set
 * on every response, whichever path answers it: a Nest handler, the cached-read fast path, an
 * error, a route that does not exist.
 */
describe('security headers (e2e)', () => {
  let t: TestApp;
  let expected: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    expected = await helmetHeaders({ contentSecurityPolicy: false });
  });
  afterAll(() => t?.close());

  it("are helmet's defaults without a Content-Security-Policy", () => {
    expect(expected).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(expected['content-security-policy']).toBeUndefined();
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
  });

  it('are on every response: Nest handler, fast path, 304, 401, 404, 422', async () => {
    const tags = await fetch(`${t.url}/api/tags`);
    const responses = [
      tags, // fast path
      await fetch(`${t.url}/api/tags`, { headers: { 'if-none-match': String(tags.headers.get('etag')) } }), // 304
      await fetch(`${t.url}/api/articles`, { headers: { authorization: '' } }), // Nest handler
      await fetch(`${t.url}/api/user`), // 401
      await fetch(`${t.url}/api/no-such-route`), // 404
      await fetch(`${t.url}/api/articles?limit=-1`), // 422
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 304, 200, 401, 404, 422]);
    for (const res of responses) {
      for (const [name, value] of Object.entries(expected)) expect(res.headers.get(name), `${res.status} ${name}`).toBe(value);
    }
  });
});
