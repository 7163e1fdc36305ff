// Smoke: one user per journey, one iteration each - every endpoint once, chat included.
// Run: k6 run load-tests/k6/smoke.ts   (BASE_URL=http://127.0.0.1:8080 by default)
import { SMOKE_USERS, smokeSettings } from '../shared/plan.ts';
import { thresholds } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, settings, setupRun, type RunData } from './lib/vu.ts';
import type { Options } from 'k6/options';

// Short chat session and think times, one chat room (shared with the driver's smoke run).
Object.assign(settings, smokeSettings(settings));

export const options: Options = {
  scenarios: {
    smoke: { executor: 'per-vu-iterations', vus: SMOKE_USERS, iterations: 1, maxDuration: '2m' },
  },
  thresholds: thresholds(),
  summaryTrendStats: ['count', 'avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

export function setup(): RunData {
  return setupRun();
}

export default function (data: RunData): void {
  runVirtualUser(data, { smoke: true });
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('smoke', data);
}
