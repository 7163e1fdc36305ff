// Soak: SOAK_VUS (default 300) for SOAK_DURATION (2h) to catch leaks (memory, connections, queue growth).
// Run: k6 run load-tests/k6/soak.ts   (k6 >= 0.57; older k6: npm run loadtest:bundle, then k6 run load-tests/dist/k6/soak.js)
import { optionsFor } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, setupRun, type RunData } from './lib/vu.ts';

export const options = optionsFor('soak');

export function setup(): RunData {
  return setupRun();
}

export default function (data: RunData): void {
  runVirtualUser(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('soak', data);
}
