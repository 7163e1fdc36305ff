// Work served per second: each good answer weighted by what its endpoint costs the stack (CPU µs
// of the API, PostgreSQL, HAProxy, Redis and the worker, each endpoint measured alone by
// `npm run bench:cost`: bench/results/cost-per-request.json). Priority shedding moves the admitted
// mix towards the expensive requests (feeds, writes, sign-ins), so requests per second fall under
// overload while the work done need not: capacity in cost units rather than requests, as in the
// Google SRE book's "Handling Overload". The overload scenario judges goodput on it, and reports requests per second beside it.
import { existsSync, readFileSync } from 'node:fs';
import { isGood, type OpenLoopSample } from './open-loop.ts';

/** Route ("GET /api/articles/:slug") -> stack CPU µs per request. */
export type WorkWeights = Map<string, number>;

interface CostFile {
  endpoints?: Array<{ name: string; cpuUs: Record<string, number> }>;
}

/** The bench's per-endpoint costs, keyed like the open-loop routes ("(anonymous, cached)" etc. dropped; first wins). */
export function loadWorkWeights(file: string): WorkWeights | undefined {
  if (!existsSync(file)) return undefined;
  const weights: WorkWeights = new Map();
  for (const e of (JSON.parse(readFileSync(file, 'utf8')) as CostFile).endpoints ?? []) {
    const route = e.name.replace(/\s*\(.*\)$/, '');
    if (!weights.has(route))
      weights.set(
        route,
        Object.values(e.cpuUs).reduce((a, b) => a + b, 0),
      );
  }
  return weights;
}

/** Cores of stack work served per second in [from, to): sum of the weights of the good answers. Undefined if a route has no weight. */
export function workPerSecond(samples: readonly OpenLoopSample[], from: number, to: number, weights: WorkWeights | undefined): number | undefined {
  if (!weights) return undefined;
  let us = 0;
  for (const s of samples) {
    if (s.at < from || s.at >= to || !isGood(s)) continue;
    const w = weights.get(s.route);
    if (w === undefined) return undefined;
    us += w;
  }
  return us / 1e6 / Math.max((to - from) / 1000, 0.001);
}

/**
 * The peak a phase is judged against: the most work the capacity probe served at an offered rate
 * up to the phase's own (+5% for the generator's pacing). Collapse is goodput falling below what a
 * lighter load got. The probe climbs past 2x of its request capacity, and its top steps offer more
 * sign-ins (the heaviest requests, 2% of the mix), so their work is a heavier mix, not a higher
 * ceiling: measured, the probe's work still rose step by step at 1150/s while 2x was 850/s.
 */
export function peakWorkUpTo(probe: ReadonlyArray<{ offered: number; work?: number }>, offered: number): number | undefined {
  const works = probe.filter((p) => p.offered <= offered * 1.05 && p.work !== undefined).map((p) => p.work as number);
  return works.length ? Math.max(...works) : undefined;
}
