import { describe, expect, it } from 'vitest';
import { HpaAlgorithm, perPodProposal, totalProposal } from './hpa-algorithm.js';
import { compressTime, loadAutoscalePolicy } from './policy.js';

const policy = loadAutoscalePolicy();
const s = (seconds: number) => seconds * 1000;
/** Runs one decision and carries it out, as the autoscaler does. */
function step(hpa: HpaAlgorithm, at: number, current: number, wanted: number): number {
  const d = hpa.decide(at, current, [{ name: 'm', replicas: wanted, detail: `m asks ${wanted}` }]);
  hpa.recordScale(at, d.desired - current);
  return d.desired;
}

describe('HPA proposals', () => {
  it('does nothing within the tolerance, else ceil(pods x value / target)', () => {
    expect(perPodProposal('inflight', 2, 21, 20, 0.1).replicas).toBe(2);
    expect(perPodProposal('inflight', 2, 43, 20, 0.1).replicas).toBe(5);
    expect(perPodProposal('inflight', 4, 5, 20, 0.1).replicas).toBe(1);
    expect(totalProposal('waiting', 1, 1000, 200, 0.1).replicas).toBe(5);
    expect(totalProposal('waiting', 2, 410, 200, 0.1).replicas).toBe(2);
  });
});

describe('HpaAlgorithm with the policy file behaviour', () => {
  it('scales up at once, by at most max(2 pods, 100%) per 15 s', () => {
    const hpa = new HpaAlgorithm(policy.api.behavior, 2, 20);
    expect(step(hpa, s(0), 2, 12)).toBe(4); // 100% of 2 = 2, Pods 2: both allow +2
    expect(step(hpa, s(5), 4, 12)).toBe(4); // the 15 s period already added 2
    expect(step(hpa, s(16), 4, 12)).toBe(8); // new period: 100% of 4
    expect(step(hpa, s(32), 8, 12)).toBe(12);
  });

  it('does not scale down inside the 180 s window, then one pod per 60 s (no flapping)', () => {
    const hpa = new HpaAlgorithm(policy.api.behavior, 2, 6);
    expect(step(hpa, s(0), 2, 6)).toBe(4);
    expect(step(hpa, s(15), 4, 6)).toBe(6);
    let n = 6;
    const after = [30, 60, 120, 190, 200, 250, 260, 320].map((t) => [t, (n = step(hpa, s(t), n, 2))]);
    // Every answer inside 180 s of the last high recommendation (t=15) keeps 6.
    expect(after.slice(0, 3)).toEqual([
      [30, 6],
      [60, 6],
      [120, 6],
    ]);
    // The window runs until t=195; then one pod per 60 s.
    expect(after.slice(3)).toEqual([
      [190, 6],
      [200, 5],
      [250, 5],
      [260, 4],
      [320, 3],
    ]);
  });

  it('one pod per 60 s on the way down, never below minReplicas', () => {
    const hpa = new HpaAlgorithm(policy.api.behavior, 2, 6);
    let n = 6;
    const seen: number[] = [];
    for (let t = 0; t <= 600; t += 15) {
      n = step(hpa, s(t), n, 1);
      seen.push(n);
    }
    // Window 180 s (nothing above 1 was ever recommended, so it holds nothing), one pod per 60 s.
    expect(seen.slice(0, 6)).toEqual([5, 5, 5, 5, 4, 4]);
    expect(seen.at(-1)).toBe(2);
  });

  it('compressTime scales every duration and nothing else', () => {
    const fast = compressTime(policy, 0.1);
    expect(fast.api.behavior.scaleDown.stabilizationWindowSeconds).toBeCloseTo(policy.api.behavior.scaleDown.stabilizationWindowSeconds * 0.1);
    expect(fast.api.behavior.scaleUp.policies[0].value).toBe(policy.api.behavior.scaleUp.policies[0].value);
    expect(fast.api.perPod.targetAverageValue).toBe(policy.api.perPod.targetAverageValue);
    expect(() => compressTime(policy, 2)).toThrow();
  });
});
