// `npm run loadtest:stress`: how many concurrent users this box takes before the release gate
// breaks. Starts the same no-Docker stack as loadtest:ci (2 API instances, worker, HAProxy) on a
// dedicated database with 5000 load-test accounts, then climbs: STRESS_START users, +STRESS_STEP
// per level, each level a short ramp and a STRESS_STEP_DURATION hold judged on its own by the
// gate. It stops at the first failing level, reports the last passing one and what ran out first
// (CPU per process, event-loop delay, DB pool), and writes load-tests/reports/stress-*.
// Defaults keep one run near 3 minutes: 2000 -> 8000 users in steps of 1000, 20 s holds.
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
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: 0.5, loadTestAccounts: ACCOUNTS, log });
let exitCode = 1;
try {
  const settings = resolveSettings({
    STRESS_START: '2000',
    STRESS_STEP: '1000',
    STRESS_MAX: '8000',
    STRESS_STEP_DURATION: '20s',
    ACCOUNTS: String(ACCOUNTS),
    // ~15 members per room at 5000 users (15% chat users): rooms stay a realistic size.
    CHAT_ROOMS: '50',
    ...env,
    BASE_URL: sut.stack.urls.lb,
  });
  // A ramp of 5 s per level: fast enough to stay near 3 minutes, and the logins of new users
  // (argon2, ~26 ms of CPU each) fall in the ramp, not in the judged hold.
  const stages = stressStages(settings).map((st, i) => (i % 2 === 0 && st.target > 0 ? { ...st, durationS: 5 } : st));
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
