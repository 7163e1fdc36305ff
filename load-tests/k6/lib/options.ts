// k6 options built from the shared plan and release gate.
import type { Options } from 'k6/options';
import { JOURNEYS } from '../../shared/journeys.ts';
import { stagesFor, toK6Stages, type TestType } from '../../shared/plan.ts';
import { toK6Thresholds, RELEASE_GATE } from '../../shared/thresholds.ts';
import { settings } from './vu.ts';

/**
 * Thresholds = the release gate, plus per-journey sub-metrics that can never fail
 * (`max>=0`): k6 only reports tagged sub-metrics that appear in thresholds, and the
 * per-journey table of the report needs them.
 */
export function thresholds(opts: { abortOnFail?: boolean } = {}): Options['thresholds'] {
  const t: Record<string, unknown[]> = toK6Thresholds(RELEASE_GATE, opts.abortOnFail ? { abortOnFail: true, delayAbortEval: '30s' } : {});
  for (const j of JOURNEYS) {
    t[`http_req_duration{journey:${j.name}}`] = ['max>=0'];
    t[`http_reqs{journey:${j.name}}`] = ['count>=0'];
    t[`journey_errors{journey:${j.name}}`] = ['count>=0'];
    t[`iterations{journey:${j.name}}`] = ['count>=0'];
  }
  return t as Options['thresholds'];
}

export function optionsFor(type: TestType, extra: Partial<Options> = {}): Options {
  return {
    scenarios: {
      [type]: {
        // ramping-vus is a closed model (a slow server slows the users down); the think
        // times keep the offered load near what real users would send.
        executor: 'ramping-vus',
        startVUs: 0,
        stages: toK6Stages(stagesFor(type, settings)),
        gracefulRampDown: '30s',
        gracefulStop: '30s',
      },
    },
    thresholds: thresholds(),
    summaryTrendStats: ['count', 'avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    ...extra,
  };
}
