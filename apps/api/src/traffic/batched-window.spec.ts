import { describe, expect, it } from 'vitest';
import { BatchedWindow, type SyncResult } from './batched-window.js';

/** A fake shared counter (what the Redis script does), recording each sync. */
function sharedCounter(windowMs: number, now: () => number) {
  let count = 0;
  let resetAt = 0;
  const syncs: number[] = [];
  let down = false;
  const sync = async (_key: string, amount: number): Promise<SyncResult> => {
    if (down) return 'unavailable';
    if (now() >= resetAt) {
      count = 0;
      resetAt = now() + windowMs;
    }
    syncs.push(amount);
    count += amount;
    return [count, resetAt - now()];
  };
  return { sync, syncs, setDown: (v: boolean) => (down = v), total: () => count };
}

describe('BatchedWindow', () => {
  it('syncs the first hit, then every syncEvery hits; counts stay exact at sync points', async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const w = new BatchedWindow(shared.sync, { syncEvery: 10, syncMs: 1_000 }, () => now);
    const counts: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await w.hit('k');
      if (r !== 'unavailable') counts.push(r.count);
    }
    expect(counts).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(shared.syncs).toEqual([1, 10, 10]);
    expect(shared.total()).toBe(21); // 4 hits not yet sent: at most syncEvery behind
  });

  it('syncs after syncMs even with few hits, and sees other instances\' counts', async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const a = new BatchedWindow(shared.sync, { syncEvery: 100, syncMs: 500 }, () => now);
    const b = new BatchedWindow(shared.sync, { syncEvery: 100, syncMs: 500 }, () => now);
    await a.hit('k');
    for (let i = 0; i < 5; i++) await b.hit('k');
    now = 600;
    const r = await a.hit('k');
    expect(r).toEqual({ count: 3, resetInMs: 59_400 }); // a's 2 + b's first synced hit
  });

  it('starts a new window after the reset', async () => {
    let now = 0;
    const shared = sharedCounter(1_000, () => now);
    const w = new BatchedWindow(shared.sync, { syncEvery: 5, syncMs: 10_000 }, () => now);
    for (let i = 0; i < 3; i++) await w.hit('k');
    now = 1_000;
    expect(await w.hit('k')).toEqual({ count: 1, resetInMs: 1_000 });
  });

  it('reports unavailable when the sync fails and keeps the hits for the next sync', async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const w = new BatchedWindow(shared.sync, { syncEvery: 2, syncMs: 10_000 }, () => now);
    await w.hit('k');
    shared.setDown(true);
    await w.hit('k');
    expect(await w.hit('k')).toBe('unavailable');
    shared.setDown(false);
    const r = await w.hit('k');
    expect(r).not.toBe('unavailable');
    expect(shared.total()).toBe(4);
  });
});
