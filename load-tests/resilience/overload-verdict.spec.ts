import { describe, expect, it } from 'vitest';
import type { SecondFigures } from './open-loop.ts';
import { recoveryAfter } from './overload-verdict.ts';

const second = (t: number, admittedP95: number, overloadShed = 0): SecondFigures => ({ t, offered: 268, goodput: 268 - overloadShed, shed: overloadShed, overloadShed, failed: 0, admittedP95 });

describe('time to recover after the overload', () => {
  it('is the first second that starts five normal ones in a row; a later slow second is reported, not judged', () => {
    // The full run's window: slow while the queue drains, normal from the 2nd second, one blip at the 11th.
    const p95 = [408, 59, 45, 12, 24, 16, 23, 21, 30, 37, 22, 77, 39, 29, 15];
    expect(
      recoveryAfter(
        p95.map((ms, i) => second(i, ms)),
        63,
      ),
    ).toEqual({ recoverS: 1, laterSlow: ['t+11 s: p95 77 ms, 0 refused'] });
  });

  it('counts a second with overload refusals as not normal, however fast', () => {
    const window = [second(0, 5, 40), second(1, 5, 3), ...Array.from({ length: 6 }, (_, i) => second(i + 2, 5))];
    expect(recoveryAfter(window, 63).recoverS).toBe(2);
  });

  it('has no recovery when no five normal seconds follow each other before the window ends', () => {
    const window = [90, 10, 10, 10, 10, 90, 10, 10, 10, 10].map((ms, i) => second(i, ms));
    expect(recoveryAfter(window, 63)).toEqual({ laterSlow: [] });
  });
});
