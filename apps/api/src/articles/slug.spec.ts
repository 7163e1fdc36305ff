import { describe, expect, it } from 'vitest';
import { SLUG_ATTEMPTS, randomSlugSuffix, slugify, withUniqueSlug } from './slug.js';

describe('slugify', () => {
  it('makes URL-safe lower-case slugs', () => {
    expect(slugify('How to Train Your Dragon!')).toBe('how-to-train-your-dragon');
    expect(slugify('  Crème brûlée & co.  ')).toBe('creme-brulee-co');
    expect(slugify('日本語')).toBe('article');
    expect(slugify('x'.repeat(500))).toHaveLength(80);
  });

  it('suffixes are 6 base-36 characters and vary', () => {
    const suffixes = new Set(Array.from({ length: 200 }, randomSlugSuffix));
    for (const s of suffixes) expect(s).toMatch(/^[0-9a-z]{6}$/);
    expect(suffixes.size).toBeGreaterThan(190);
  });
});

describe('withUniqueSlug', () => {
  const conflict = new Error('slug taken');
  const isConflict = (e: unknown) => e === conflict;

  it('retries with a new suffix after a unique violation', async () => {
    const taken = new Set(['title-aaaaaa']);
    const suffixes = ['aaaaaa', 'aaaaaa', 'bbbbbb'];
    const tried: string[] = [];
    const { slug } = await withUniqueSlug(
      'Title',
      async (s) => {
        tried.push(s);
        if (taken.has(s)) throw conflict;
      },
      isConflict,
      () => suffixes.shift()!,
    );
    expect(tried).toEqual(['title-aaaaaa', 'title-aaaaaa', 'title-bbbbbb']);
    expect(slug).toBe('title-bbbbbb');
  });

  it('gives up after a bounded number of attempts and rethrows other errors at once', async () => {
    let calls = 0;
    await expect(
      withUniqueSlug(
        't',
        async () => {
          calls++;
          throw conflict;
        },
        isConflict,
      ),
    ).rejects.toBe(conflict);
    expect(calls).toBe(SLUG_ATTEMPTS);
    const other = new Error('db down');
    calls = 0;
    await expect(
      withUniqueSlug(
        't',
        async () => {
          calls++;
          throw other;
        },
        isConflict,
      ),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
