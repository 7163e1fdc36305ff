import { describe, expect, it } from 'vitest';
import { LocalLayer } from './local-layer.js';

describe('LocalLayer', () => {
  it('expires entries after the TTL', () => {
    let now = 1_000;
    const layer = new LocalLayer<string>(10, 100, () => now);
    layer.set('a', 'A', ['t'], layer.snapshot(['t']));
    expect(layer.get('a')).toBe('A');
    now += 100;
    expect(layer.get('a')).toBeUndefined();
  });

  it('is bounded: the oldest inserted entry is evicted first', () => {
    const layer = new LocalLayer<number>(3, 10_000);
    for (let i = 0; i < 5; i++) layer.set(`k${i}`, i, [], []);
    expect(layer.size).toBe(3);
    expect(layer.get('k0')).toBeUndefined();
    expect(layer.get('k1')).toBeUndefined();
    expect(layer.get('k4')).toBe(4);
  });

  it('drops entries whose tag was invalidated, including one computed across the invalidation', () => {
    const layer = new LocalLayer<string>(10, 10_000);
    layer.set('a', 'A', ['articles', 'x'], layer.snapshot(['articles', 'x']));
    layer.set('b', 'B', ['profiles'], layer.snapshot(['profiles']));
    const before = layer.snapshot(['articles']);
    layer.invalidate(['articles']);
    expect(layer.get('a')).toBeUndefined();
    expect(layer.get('b')).toBe('B');
    // A value computed from a snapshot taken before the write must not be served.
    layer.set('c', 'C', ['articles'], before);
    expect(layer.get('c')).toBeUndefined();
    layer.set('c', 'C2', ['articles'], layer.snapshot(['articles']));
    expect(layer.get('c')).toBe('C2');
  });

  it('stores nothing when disabled by size 0', () => {
    const layer = new LocalLayer<string>(0, 1_000);
    layer.set('a', 'A', [], []);
    expect(layer.get('a')).toBeUndefined();
  });

  it('keeps an expired entry for the stale grace: getStale serves it, get does not, and nothing past the grace', () => {
    let now = 1_000;
    const layer = new LocalLayer<string>(10, 100, () => now, 500);
    layer.set('a', 'A', ['t'], layer.snapshot(['t']));
    expect(layer.getStale('a')).toBe('A'); // fresh is fine too
    now += 100;
    expect(layer.get('a')).toBeUndefined(); // expired for a normal read...
    expect(layer.getStale('a')).toBe('A'); // ...but kept for a stale one
    now += 499;
    expect(layer.getStale('a')).toBe('A');
    now += 1;
    expect(layer.getStale('a')).toBeUndefined();
    expect(layer.size).toBe(0);
  });

  it('never serves stale what a local invalidation dropped, and has no grace by default', () => {
    let now = 1_000;
    const layer = new LocalLayer<string>(10, 100, () => now, 10_000);
    layer.set('a', 'A', ['t'], layer.snapshot(['t']));
    layer.set('b', 'B', ['u'], layer.snapshot(['u']));
    layer.invalidate(['t']);
    now += 200;
    expect(layer.getStale('a')).toBeUndefined();
    expect(layer.getStale('b')).toBe('B');

    const noGrace = new LocalLayer<string>(10, 100, () => now);
    noGrace.set('a', 'A', [], []);
    now += 100;
    expect(noGrace.getStale('a')).toBeUndefined();
  });
});
