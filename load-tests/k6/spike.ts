// Spike: 0 -> VUS (default 1000) in SPIKE_RAMP (10s), hold 60 s, drop to 0.
// Run: k6 run load-tests/k6/spike.ts   (k6 >= 0.57; older k6: npm run loadtest:bundle, then k6 run load-tests/dist/k6/spike.js)
import { optionsFor } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, setupRun, type RunData } from './lib/vu.ts';

export const options = optionsFor('spike');

export function setup(): RunData {
  return setupRun();
}

export default function (data: RunData): void {
  runVirtualUser(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('spike', data);
}
