import { describe, expect, it } from 'vitest';
import { warmupRequests } from './warmup-plan.js';

describe('warmupRequests', () => {
  const sample = { slugs: ['a-1', 'b 2'], authors: ['ann', 'bob'], tags: ['x', 'y'] };

  it('returns exactly the asked count, all reads of the hot routes, anonymous and signed in', () => {
    const requests = warmupRequests(sample, 300);
    expect(requests).toHaveLength(300);
    expect(requests.every((r) => r.url.startsWith('/api/'))).toBe(true);
    expect(requests.filter((r) => r.signedIn).length).toBeGreaterThan(0);
    expect(requests.filter((r) => !r.signedIn).length).toBeGreaterThan(0);
    const routes = new Set(requests.map((r) => r.url.replace(/\?.*$/, '').replace(/\/(a-1|b%202|ann|bob)/g, '/:name')));
    expect([...routes].sort()).toEqual(['/api/articles', '/api/articles/:name', '/api/articles/:name/comments', '/api/articles/feed', '/api/profiles/:name', '/api/tags', '/api/user']);
  });

  it('varies names and list offsets and encodes them', () => {
    const urls = warmupRequests(sample, 100).map((r) => r.url);
    expect(urls).toContain('/api/articles/b%202');
    expect(urls).toContain('/api/profiles/bob');
    expect(urls).toContain('/api/articles?tag=y&limit=10');
    expect(urls).toContain('/api/articles?limit=10&offset=20');
  });

  it('still builds requests for an empty database', () => {
    expect(warmupRequests({ slugs: [], authors: [], tags: [] }, 5)).toHaveLength(5);
    expect(warmupRequests(sample, 0)).toEqual([]);
  });
});
