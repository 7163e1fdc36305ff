import { describe, expect, it } from 'vitest';
import { BatchedWindow, type SyncResult } from './batched-window.js';

/** A fake shared counter (what the Redis script does), recording each sync. */
function sharedCounter(windowMs: number, now: () => number) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const syncs: number[] = [];
  let down = false;
  const sync = async (key: string, amount: number): Promise<SyncResult> => {
    if (down) return 'unavailable';
    let w = windows.get(key);
    if (!w || now() >= w.resetAt) {
      w = { count: 0, resetAt: now() + windowMs };
      windows.set(key, w);
    }
    syncs.push(amount);
    w.count += amount;
    return [w.count, w.resetAt - now()];
  };
  const total = () => [...windows.values()].reduce((a, w) => a + w.count, 0);
  return { sync, syncs, setDown: (v: boolean) => (down = v), total };
}

describe('BatchedWindow', () => {
  it('syncs the first hit, then every syncEvery hits; counts stay exact at sync points', async () => {
    const now = 0;
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

  it("sends the unsent hits of every key in one background batch, then sees other instances' counts", async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const batches: number[] = [];
    const batch = async (items: Array<{ key: string; amount: number }>) => {
      batches.push(items.length);
      return Promise.all(items.map((i) => shared.sync(i.key, i.amount)));
    };
    const a = new BatchedWindow(shared.sync, { syncEvery: 100, syncMs: 500 }, () => now, batch);
    const b = new BatchedWindow(shared.sync, { syncEvery: 100, syncMs: 500 }, () => now, batch);
    await a.hit('k');
    await a.hit('other');
    for (let i = 0; i < 5; i++) await b.hit('k');
    now = 600;
    // Between syncs a hit is decided locally, without a round trip.
    expect(await a.hit('k')).toEqual({ count: 2, resetInMs: 59_400 });
    await a.hit('other');
    const syncsBefore = shared.syncs.length;
    await a.flush();
    expect(batches).toEqual([2]); // both keys' unsent hits in one batch
    expect(shared.syncs.length).toBe(syncsBefore + 2);
    // a's 2 + b's first synced hit + the next one; b's 4 unsent hits are not known yet.
    expect(await a.hit('k')).toEqual({ count: 4, resetInMs: 59_400 });
    await b.flush();
    await a.flush();
    expect(shared.total()).toBe(10); // every hit reached Redis: 3 on k from a, 5 from b, 2 on other
  });

  it('a batch answer without the time left (-1: same window) keeps the known reset', async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const batch = async (items: Array<{ key: string; amount: number }>) =>
      Promise.all(
        items.map(async (i): Promise<SyncResult> => {
          const r = await shared.sync(i.key, i.amount);
          return r === 'unavailable' ? r : [r[0], -1];
        }),
      );
    const w = new BatchedWindow(shared.sync, { syncEvery: 100, syncMs: 500 }, () => now, batch);
    await w.hit('k');
    await w.hit('k');
    now = 600;
    await w.flush();
    expect(await w.hit('k')).toEqual({ count: 3, resetInMs: 59_400 });
    now = 60_000;
    expect(await w.hit('k')).toEqual({ count: 1, resetInMs: 60_000 });
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
    const now = 0;
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
  it('tryHitWithin decides only what hit() would decide locally, and counts only what it allows', async () => {
    let now = 0;
    const shared = sharedCounter(60_000, () => now);
    const w = new BatchedWindow(shared.sync, { syncEvery: 4, syncMs: 1_000 }, () => now);
    // Unknown window: nothing counted, the caller must call hit() (which syncs).
    expect(w.tryHitWithin('k', 10)).toBe(false);
    await w.hit('k'); // count 1, synced
    expect(w.tryHitWithin('k', 10)).toBe(true); // 2
    expect(w.tryHitWithin('k', 10)).toBe(true); // 3
    expect(w.tryHitWithin('k', 10)).toBe(true); // 4
    // The next hit would make a sync due (pending reaches syncEvery): left to hit().
    expect(w.tryHitWithin('k', 10)).toBe(false);
    const r = await w.hit('k');
    expect(r).toEqual({ count: 5, resetInMs: expect.any(Number) });
    expect(shared.syncs).toEqual([1, 4]);
    // At the limit: refused without counting, so hit() counts it once and refuses it.
    expect(w.tryHitWithin('k', 5)).toBe(false);
    expect(w.tryHitWithin('k', 6)).toBe(true); // 6
    const next = await w.hit('k');
    expect(next !== 'unavailable' && next.count).toBe(7);
    // A new window is unknown again.
    now = 60_001;
    expect(w.tryHitWithin('k', 10)).toBe(false);
    // Redis unavailable at the last sync: never decided locally.
    shared.setDown(true);
    expect(await w.hit('k')).toBe('unavailable');
    expect(w.tryHitWithin('k', 10)).toBe(false);
  });
  it('tryHitWithin decides locally while a sync is in flight, as hit() does, and leaves the next due sync to hit()', async () => {
    const shared = sharedCounter(60_000, () => 0);
    let release: () => void = () => {};
    let hold = false;
    const slowSync = async (key: string, amount: number): Promise<SyncResult> => {
      if (hold) await new Promise<void>((r) => (release = r));
      return shared.sync(key, amount);
    };
    const w = new BatchedWindow(slowSync, { syncEvery: 4, syncMs: 1_000 }, () => 0);
    await w.hit('k'); // count 1, synced
    for (let i = 0; i < 3; i++) expect(w.tryHitWithin('k', 100)).toBe(true); // pending 3
    expect(w.tryHitWithin('k', 100)).toBe(false); // the 4th makes a sync due: hit() does it
    hold = true;
    const syncing = w.hit('k'); // pending 4 -> sync of 4 in flight
    // While it is in flight hit() would not wait, so these are decided here and counted.
    for (let i = 0; i < 5; i++) expect(w.tryHitWithin('k', 100)).toBe(true);
    // The hits in flight count too: 1 synced + 4 in flight + 5 here = 10, the limit.
    expect(w.tryHitWithin('k', 10)).toBe(false);
    release();
    hold = false;
    await syncing;
    expect(shared.syncs).toEqual([1, 4]);
    // Settled with 5 unsent hits (>= syncEvery): the next sync is due again, so hit() takes it.
    expect(w.tryHitWithin('k', 100)).toBe(false);
    const r = await w.hit('k');
    expect(r).toEqual({ count: 11, resetInMs: expect.any(Number) });
    expect(shared.syncs).toEqual([1, 4, 6]);
  });
});
