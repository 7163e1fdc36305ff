// Load: ramp to VUS (default 1000) over RAMP_UP (60s), hold HOLD (5m), ramp down over RAMP_DOWN (30s).
// Run: k6 run load-tests/k6/load.ts   (k6 >= 0.57; older k6: npm run loadtest:bundle, then k6 run load-tests/dist/k6/load.js)
import { optionsFor } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, setupRun, type RunData } from './lib/vu.ts';

export const options = optionsFor('load');

export function setup(): RunData {
  return setupRun();
}

export default function (data: RunData): void {
  runVirtualUser(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('load', data);
}
