import { describe, expect, it } from 'vitest';
import { applyFlags, applyFlagsBytes, sharedBody, sharedEntry, sharedMeta } from './cached-response.js';

describe('applyFlags', () => {
  const body = JSON.stringify({
    articles: [
      { slug: 'a', description: 'says "favorited":false in text', favorited: false, author: { bio: '{"following":false}', following: false } },
      { slug: 'b', favorited: false, author: { following: false } },
    ],
  });

  it('sets flags in document order and never touches user text', () => {
    const out = JSON.parse(applyFlags(body, '0110'));
    expect(out.articles[0].favorited).toBe(false);
    expect(out.articles[0].author.following).toBe(true);
    expect(out.articles[1].favorited).toBe(true);
    expect(out.articles[1].author.following).toBe(false);
    expect(out.articles[0].description).toBe('says "favorited":false in text');
    expect(out.articles[0].author.bio).toBe('{"following":false}');
  });

  it('applyFlagsBytes gives the same bytes as applyFlags, memoized per entry handle', () => {
    const entry = sharedEntry('1.2,3.4', body);
    const handle = {};
    for (const bits of ['0110', '1111', '1000', '0000']) {
      expect(applyFlagsBytes(entry, handle, bits).toString()).toBe(applyFlags(body, bits));
    }
    expect(applyFlagsBytes(entry, undefined, '0110')).toBe(applyFlags(body, '0110'));
  });

  it('returns the body itself when no flag is set', () => {
    expect(applyFlags(body, '0000')).toBe(body);
    expect(applyFlags(body, undefined)).toBe(body);
  });
});

describe('shared entries', () => {
  it('split into meta and body', () => {
    const entry = sharedEntry('1.2,3.4', '{"x":"a\\nb"}');
    expect(sharedMeta(entry)).toBe('1.2,3.4');
    expect(sharedBody(entry)).toBe('{"x":"a\\nb"}');
  });
});
