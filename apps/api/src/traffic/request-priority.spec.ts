import { describe, expect, it } from 'vitest';
import { PRIORITY_SHARE, requestPriority } from './request-priority.js';

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
});
