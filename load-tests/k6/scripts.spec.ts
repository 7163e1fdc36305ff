// Loads each k6 script's module (k6's modules stubbed) and checks what k6 would read from it:
// the options (executor, stages from shared/plan.ts, thresholds from shared/thresholds.ts) and
// the setup / default / handleSummary entry points.
import { describe, expect, it, vi } from 'vitest';
import { SMOKE_USERS, stagesFor, toK6Stages } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { toK6Thresholds } from '../shared/thresholds.ts';

vi.mock('k6', () => ({
  check: () => true,
  sleep: () => {},
  fail: (m: string) => {
    throw new Error(m);
  },
}));
vi.mock('k6/http', () => ({ default: { expectedStatuses: () => ({}), request: () => ({}) } }));
vi.mock('k6/data', () => ({ SharedArray: class {} }));
vi.mock('k6/ws', () => ({ default: { connect: () => ({}) } }));
vi.mock('k6/execution', () => ({ default: { vu: { idInTest: 1 } } }));
vi.mock('k6/metrics', () => ({
  Trend: class {
    add() {}
  },
  Counter: class {
    add() {}
  },
}));
(globalThis as { __ENV?: Record<string, string> }).__ENV = { HOLD: '7m' };

const settings = resolveSettings({ HOLD: '7m' });

describe('k6 scripts', () => {
  it.each(['load', 'spike', 'soak', 'stress'] as const)('%s: ramping-vus on the shared stages, the release gate as thresholds, all entry points', async (name) => {
    const mod = await import(`./${name}.ts`);
    const scenario = mod.options.scenarios[name];
    expect(scenario.executor).toBe('ramping-vus');
    expect(scenario.stages).toEqual(toK6Stages(stagesFor(name, settings)));
    for (const [metric, exprs] of Object.entries(toK6Thresholds())) {
      const actual = (mod.options.thresholds[metric] as Array<string | { threshold: string }>).map((t) => (typeof t === 'string' ? t : t.threshold));
      expect(actual).toEqual(exprs);
    }
    expect(mod.options.thresholds['http_req_duration{journey:chat}']).toEqual(['max>=0']);
    expect(typeof mod.default).toBe('function');
    expect(typeof mod.setup).toBe('function');
    expect(typeof mod.handleSummary).toBe('function');
  });

  it('load holds 7m from HOLD; stress aborts at the first breach', async () => {
    expect((await import('./load.ts')).options.scenarios.load.stages[1]).toEqual({ duration: '420s', target: 1000 });
    const stress = await import('./stress.ts');
    expect(stress.options.thresholds.http_req_failed).toEqual([{ threshold: 'rate<0.001', abortOnFail: true, delayAbortEval: '30s' }]);
  });

  it('smoke: one iteration per user, every journey plus a second chat user', async () => {
    const smoke = await import('./smoke.ts');
    expect(smoke.options.scenarios.smoke).toMatchObject({ executor: 'per-vu-iterations', vus: SMOKE_USERS, iterations: 1 });
    expect(smoke.options.thresholds.checks).toEqual(['rate>0.999']);
  });
});
