// `npm run loadtest:stress`: how many concurrent users this box takes before the release gate
// breaks. Starts the same no-Docker stack as loadtest:ci (2 API instances, worker, HAProxy) on a
// dedicated database with 5000 load-test accounts, then climbs: STRESS_START users, +STRESS_STEP
// per level, each level a short ramp and a STRESS_STEP_DURATION hold judged on its own by the
// gate. It stops at the first failing level, reports the last passing one and what ran out first
// (CPU per process, event-loop delay, DB pool), and writes load-tests/reports/stress-*.
// Defaults: 1000 -> 6000 users in steps of 1000; each level a 20 s ramp (the new users' sign-ins,
// ~550 argon2 hashes of ~26 ms CPU each, must not all land at once) and a 15 s judged hold: at
// most ~3.5 minutes, less when a level fails.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { stressStages } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { diagnoseBottleneck } from './bottleneck.ts';
import type { InstanceReading } from './instance-metrics.ts';
import { writeReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { REPO, startLoadTestStack } from './stack.ts';

const env = process.env;
const log = (line: string) => console.log(`[loadtest:stress] ${line}`);
const databaseUrl = env.LOADTEST_STRESS_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest_stress';
const ACCOUNTS = 5000;

const t0 = Date.now();
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: 0.5, loadTestAccounts: ACCOUNTS, reseed: env.LOADTEST_RESEED !== '0', log });
let exitCode = 1;
try {
  const settings = resolveSettings({
    STRESS_START: '1000',
    STRESS_STEP: '1000',
    STRESS_MAX: '6000',
    STRESS_STEP_DURATION: '15s',
    ACCOUNTS: String(ACCOUNTS),
    // ~15 members per room at 5000 users (15% chat users): rooms stay a realistic size.
    CHAT_ROOMS: '50',
    ...env,
    BASE_URL: sut.stack.urls.lb,
  });
  // Ramps of STRESS_RAMP (20 s) per level: the sign-ins of new users fall in the ramp, not in
  // the judged hold, and arrive at a rate a person-driven system would see.
  const rampS = Number(env.STRESS_RAMP_S || '20');
  const stages = stressStages(settings).map((st, i) => (i % 2 === 0 && st.target > 0 ? { ...st, durationS: rampS } : st));
  const summary = await runScenario({ settings, type: 'stress', stages, target: sut.target, log });
  const s = summary.stress!;
  const judged = s.levels.find((l) => !l.pass) ?? s.levels[s.levels.length - 1];
  if (judged) {
    s.bottleneck = `${s.firstFailingUsers ? `at ${judged.users} users` : `at the highest level tried (${judged.users} users, still passing)`}: ${diagnoseBottleneck(judged, (judged as { instances?: InstanceReading[] }).instances ?? [], cpus().length)}`;
  }
  summary.notes.push(`system under test: 2 API instances + worker + HAProxy, database ${new URL(databaseUrl).pathname.slice(1)} (${ACCOUNTS} load-test accounts); each level judged on its ${settings.stressStepS} s hold only.`);
  process.stdout.write(formatTextSummary(summary));
  const files = await writeReports(summary, env.REPORT_DIR || join(REPO, 'load-tests/reports'), 'stress');
  log(`summary: ${files.json}`);
  log(`report:  ${files.html}`);
  exitCode = summary.passed ? 0 : 1;
} finally {
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
