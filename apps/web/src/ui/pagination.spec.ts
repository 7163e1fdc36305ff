import { describe, expect, it } from 'vitest';
import { offsetFor, pageCount, pageFromQuery, pageWindow } from './pagination.js';

describe('pagination', () => {
  it('counts pages, with at least one page for an empty list', () => {
    expect(pageCount(0, 10)).toBe(1);
    expect(pageCount(10, 10)).toBe(1);
    expect(pageCount(11, 10)).toBe(2);
    expect(() => pageCount(5, 0)).toThrow(RangeError);
  });

  it('maps pages to offsets and clamps bad input', () => {
    expect(offsetFor(1, 10)).toBe(0);
    expect(offsetFor(3, 10)).toBe(20);
    expect(offsetFor(0, 10)).toBe(0);
    expect(offsetFor(2.5, 10)).toBe(0);
    expect(pageFromQuery('4')).toBe(4);
    expect(pageFromQuery(null)).toBe(1);
    expect(pageFromQuery('-2')).toBe(1);
    expect(pageFromQuery('abc')).toBe(1);
  });

  it('shows a short window with gaps', () => {
    expect(pageWindow(1, 3)).toEqual([1, 2, 3]);
    expect(pageWindow(1, 10)).toEqual([1, 2, 3, null, 10]);
    expect(pageWindow(6, 20)).toEqual([1, null, 4, 5, 6, 7, 8, null, 20]);
    expect(pageWindow(20, 20)).toEqual([1, null, 18, 19, 20]);
    expect(pageWindow(4, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
