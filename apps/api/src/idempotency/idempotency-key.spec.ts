import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-errors.js';
import { parseIdempotencyKey, requestFingerprint } from './idempotency-key.js';

describe('Idempotency-Key parsing and request fingerprints', () => {
  it('accepts 1..128 visible ASCII characters', () => {
    for (const key of ['a', 'x'.repeat(128), '018f3c1e-7a4b-7c2d-9e8f-0123456789ab', 'A~!@#$%^&*()_+{}|:"<>?']) expect(parseIdempotencyKey(key)).toBe(key);
  });

  it('refuses empty, too long, spaces, control and non-ASCII characters, and repeated headers with a 422', () => {
    for (const key of ['', 'x'.repeat(129), 'a b', 'a\tb', 'a\u0000b', 'café', ['a', 'b']]) {
      expect(() => parseIdempotencyKey(key as string), JSON.stringify(key)).toThrow(ApiError);
      try {
        parseIdempotencyKey(key as string);
      } catch (error) {
        expect((error as ApiError).getStatus()).toBe(422);
        expect((error as ApiError).errors['idempotency-key']).toHaveLength(1);
      }
    }
  });

  it('fingerprints method, path and body; ignores key order and the query string', () => {
    const base = requestFingerprint('POST', '/api/articles', { article: { title: 't', body: 'b' } });
    expect(requestFingerprint('POST', '/api/articles?x=1', { article: { body: 'b', title: 't' } })).toBe(base);
    expect(requestFingerprint('POST', '/api/articles', { article: { title: 't', body: 'B' } })).not.toBe(base);
    expect(requestFingerprint('PUT', '/api/articles', { article: { title: 't', body: 'b' } })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/articles/a/comments', { article: { title: 't', body: 'b' } })).not.toBe(base);
    // Arrays keep their order (tag order is part of the request).
    expect(requestFingerprint('POST', '/p', { tags: ['a', 'b'] })).not.toBe(requestFingerprint('POST', '/p', { tags: ['b', 'a'] }));
  });
});
