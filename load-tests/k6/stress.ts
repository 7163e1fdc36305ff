// Stress: climb from STRESS_START users by STRESS_STEP every STRESS_STEP_DURATION up to
// STRESS_MAX; the release gate aborts the run at the first breach (abortOnFail), so the
// summary's vus_max is where it broke. The Node driver's stress mode evaluates each level
// separately and names the resource that ran out (npm run loadtest:stress).
// Run: k6 run load-tests/k6/stress.ts
import { optionsFor, thresholds } from './lib/options.ts';
import { summaryOutputs, type K6SummaryData } from './lib/summary.ts';
import { runVirtualUser, setupRun, type RunData } from './lib/vu.ts';

export const options = optionsFor('stress', { thresholds: thresholds({ abortOnFail: true }) });

export function setup(): RunData {
  return setupRun();
}

export default function (data: RunData): void {
  runVirtualUser(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return summaryOutputs('stress', data);
}
