import { describe, expect, it } from 'vitest';
import { JOURNEYS } from './journeys.ts';
import { personaFor, smokePersona } from './plan.ts';
import { resolveSettings } from './settings.ts';
import { assignByWeight, pickByWeight, thinkTimeMs } from './weighted-choice.ts';

describe('journey choice by weight', () => {
  const items = [{ weight: 45 }, { weight: 30 }, { weight: 10 }, { weight: 15 }];

  it('maps the unit interval onto the weights in order', () => {
    expect(pickByWeight(items, 0)).toBe(0);
    expect(pickByWeight(items, 0.4499)).toBe(0);
    expect(pickByWeight(items, 0.45)).toBe(1);
    expect(pickByWeight(items, 0.7499)).toBe(1);
    expect(pickByWeight(items, 0.75)).toBe(2);
    expect(pickByWeight(items, 0.85)).toBe(3);
    expect(pickByWeight(items, 0.9999999)).toBe(3);
    expect(pickByWeight(items, 1)).toBe(3);
  });

  it('never picks a zero weight and refuses all-zero weights', () => {
    const zeroMiddle = [{ weight: 1 }, { weight: 0 }, { weight: 1 }];
    for (let i = 0; i < 100; i++) expect(pickByWeight(zeroMiddle, i / 100)).not.toBe(1);
    expect(() => pickByWeight([{ weight: 0 }], 0.5)).toThrow(/more than 0/);
  });

  it('gives any prefix of users the configured mix within a few users', () => {
    for (const total of [20, 100, 1000, 5000]) {
      const counts = [0, 0, 0, 0];
      for (let n = 1; n <= total; n++) counts[assignByWeight(items, n)] += 1;
      counts.forEach((c, i) => expect(Math.abs(c - (total * items[i].weight) / 100)).toBeLessThanOrEqual(3));
    }
  });

  it('assigns personas from the settings weights (WEIGHTS env) and covers every journey in smoke', () => {
    const onlyChat = resolveSettings({ WEIGHTS: 'anonymous=0,reader=0,writer=0,chat=1' });
    for (let n = 1; n <= 50; n++) expect(personaFor(onlyChat, n).name).toBe('chat');
    expect(JOURNEYS.map((_, i) => smokePersona(i + 1).name).sort()).toEqual(['anonymous', 'chat', 'reader', 'writer']);
    expect(smokePersona(JOURNEYS.length + 1).name).toBe('chat');
  });

  it('spreads think times over [min, max]', () => {
    expect(thinkTimeMs(1000, 3000, 0)).toBe(1000);
    expect(thinkTimeMs(1000, 3000, 0.5)).toBe(2000);
    expect(thinkTimeMs(1000, 3000, 0.999999)).toBe(3000);
  });
});
