import { describe, expect, it } from 'vitest';
import { PRIORITY_SHARE, hasOwnBulkhead, requestPriority } from './request-priority.js';

describe('requestPriority', () => {
  it('treats every write, sign-in and registration as critical', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(requestPriority(method, undefined), method).toBe('critical');
    expect(requestPriority('POST', 'Token abc')).toBe('critical');
  });

  it('sheds anonymous reads before signed-in reads', () => {
    expect(requestPriority('GET', undefined)).toBe('low');
    expect(requestPriority('HEAD', undefined)).toBe('low');
    expect(requestPriority('GET', 'Token abc')).toBe('normal');
    expect(PRIORITY_SHARE.low).toBeLessThan(PRIORITY_SHARE.normal);
    expect(PRIORITY_SHARE.normal).toBeLessThan(PRIORITY_SHARE.critical);
  });

  it('leaves sign-in and registration to the hashing bulkhead, and only them', () => {
    for (const url of ['/api/users/login', '/api/users', '/api/users/', '/api/users/login?x=1']) expect(hasOwnBulkhead('POST', url), url).toBe(true);
    expect(hasOwnBulkhead('GET', '/api/users')).toBe(false);
    expect(hasOwnBulkhead('PUT', '/api/user')).toBe(false);
    expect(hasOwnBulkhead('POST', '/api/users/login/x')).toBe(false);
    expect(hasOwnBulkhead('POST', '/api/articles')).toBe(false);
  });
});
