import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpenLoopSample } from './open-loop.ts';
import { loadWorkWeights, peakWorkUpTo, workPerSecond } from './work-weights.ts';

const sample = (at: number, route: string, status: number): OpenLoopSample => ({ at, ms: 5, status, priority: 'low', route });

describe('work served per second', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'work-weights-')), 'cost.json');
  writeFileSync(
    file,
    JSON.stringify({
      endpoints: [
        { name: 'GET /api/articles (anonymous, cached)', cpuUs: { api: 300, lb: 100 } },
        { name: 'GET /api/articles (signed in)', cpuUs: { api: 900 } },
        { name: 'POST /api/users/login', cpuUs: { api: 19_000, pg: 1_000 } },
      ],
    }),
  );
  const weights = loadWorkWeights(file)!;

  it('keys the bench endpoints like the generator routes, summing every process, first name wins', () => {
    expect(Object.fromEntries(weights)).toEqual({ 'GET /api/articles': 400, 'POST /api/users/login': 20_000 });
  });

  it('counts only good answers in the window, in cores', () => {
    const samples = [
      sample(0, 'GET /api/articles', 200),
      sample(100, 'GET /api/articles', 503), // shed: no work served
      sample(200, 'POST /api/users/login', 200),
      sample(300, 'POST /api/users/login', 429), // refused
      sample(1_000, 'POST /api/users/login', 200), // outside [0, 1000)
    ];
    // (400 + 20,000) µs in one second = 0.0204 cores.
    expect(workPerSecond(samples, 0, 1_000, weights)).toBeCloseTo(0.0204, 6);
  });

  it('gives no figure when a route has no measured cost, or there is no cost file', () => {
    expect(workPerSecond([sample(0, 'GET /api/tags', 200)], 0, 1_000, weights)).toBeUndefined();
    expect(loadWorkWeights(join(tmpdir(), 'no-such-cost-file.json'))).toBeUndefined();
  });
});

describe("a phase's peak", () => {
  const probe = [
    { offered: 400, work: 0.8 },
    { offered: 700, work: 1.2 },
    { offered: 900, work: 1.5 },
    { offered: 1150, work: 1.7 },
    { offered: 1450 }, // no weights for a route: no work figure
  ];

  it('is the most work the probe served at up to the offered load (+5% for pacing)', () => {
    expect(peakWorkUpTo(probe, 850)).toBe(1.2);
    expect(peakWorkUpTo(probe, 870)).toBe(1.5); // 900 <= 870 x 1.05
    expect(peakWorkUpTo(probe, 2000)).toBe(1.7);
  });

  it('has none below the first step or without work figures', () => {
    expect(peakWorkUpTo(probe, 100)).toBeUndefined();
    expect(peakWorkUpTo([{ offered: 100 }], 1000)).toBeUndefined();
  });
});
