// Smoke: one user per journey, one iteration each - every endpoint once, chat included.
// Run: k6 run load-tests/k6/smoke.ts   (BASE_URL=http://127.0.0.1:8080 by default)
import { JOURNEYS } from '../shared/journeys.ts';
import { thresholds } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, settings, setupRun, type RunData } from './lib/vu.ts';
import type { Options } from 'k6/options';

// Short chat session and think times: smoke checks that everything answers, not how fast.
settings.chat.sessionS = Math.min(settings.chat.sessionS, 8);
settings.chat.messageIntervalMs = Math.min(settings.chat.messageIntervalMs, 1000);
settings.thinkMinMs = Math.min(settings.thinkMinMs, 200);
settings.thinkMaxMs = Math.min(settings.thinkMaxMs, 500);

export const options: Options = {
  scenarios: {
    smoke: { executor: 'per-vu-iterations', vus: JOURNEYS.length, iterations: 1, maxDuration: '2m' },
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
