// Journey choice by weight. Pure, so both runners (k6 and the Node driver) pick identically.

export interface HasWeight {
  weight: number;
}

/** Index of the item a uniform number u in [0, 1) falls on, in proportion to the weights. */
export function pickByWeight(items: readonly HasWeight[], u: number): number {
  const total = items.reduce((sum, it) => sum + Math.max(0, it.weight), 0);
  if (!(total > 0)) throw new Error('pickByWeight: weights must add up to more than 0');
  let x = Math.min(Math.max(u, 0), 0.999999999) * total;
  for (let i = 0; i < items.length; i++) {
    const w = Math.max(0, items[i].weight);
    if (x < w) return i;
    x -= w;
  }
  return items.length - 1;
}

const GOLDEN = 0.6180339887498949;

/**
 * Persona of virtual user number n (1, 2, 3, ...): a low-discrepancy sequence (n x golden ratio
 * mod 1) instead of a random draw, so any prefix of users - 10 during a ramp or 1000 at full
 * strength - carries the configured mix within one user per journey.
 */
export function assignByWeight(items: readonly HasWeight[], n: number): number {
  const u = (n * GOLDEN) % 1;
  return pickByWeight(items, u);
}

/** A think time in [minMs, maxMs] from u in [0, 1). */
export function thinkTimeMs(minMs: number, maxMs: number, u: number): number {
  return Math.round(minMs + (maxMs - minMs) * Math.min(Math.max(u, 0), 1));
}
