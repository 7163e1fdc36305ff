import { describe, expect, it } from 'vitest';
import { MemoryWindow } from './memory-window.js';

describe('MemoryWindow', () => {
  it('counts within a window and starts over after it', () => {
    let now = 0;
    const w = new MemoryWindow(100, () => now);
    expect(w.hit('a', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
    now = 400;
    expect(w.hit('a', 1_000)).toEqual({ count: 2, resetInMs: 600 });
    expect(w.hit('b', 1_000).count).toBe(1);
    now = 1_000;
    expect(w.hit('a', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
  });

  it('stays bounded in keys', () => {
    const w = new MemoryWindow(10);
    for (let i = 0; i < 1_000; i++) w.hit(`k${i}`, 60_000);
    expect(w.size).toBeLessThanOrEqual(10);
  });
});
