// `npm run loadtest:stress`: how many concurrent users this box takes before the release gate
// breaks. Starts the same no-Docker stack as loadtest:ci (2 API instances, worker, HAProxy) on a
// dedicated database with 5000 load-test accounts, then climbs: STRESS_START users, +STRESS_STEP
// per level, each level a short ramp and a STRESS_STEP_DURATION hold judged on its own by the
// gate. It stops at the first failing level, reports the last passing one and what ran out first
// (CPU per process, event-loop delay, DB pool), and writes load-tests/reports/stress-*.
// Defaults: 1000 -> 6000 users in steps of 1000; each level a 20 s ramp (users arrive at 50/s)
// and a 15 s judged hold: at most ~3.5 minutes, less when a level fails.
// Sign-ins (sign-in-policy.ts): 90% of the signed-in users are returning users who still hold
// a session token (RETURNING_SHARE), the rest sign in with their password at no more than
// 10 sign-ins/s across all users (LOGINS_PER_S). Why: a sign-in is an argon2id hash of
// ~26 ms CPU; 550 new sign-ins per 1000-user level in 20 s would be 14 s of CPU per level, so the
// run would measure the hash, not steady-state capacity. 10/s is 36,000 sign-ins an hour, far
// above what a site with a few thousand concurrent users sees with 24 h sessions. The sign-in
// ceiling itself is measured by `npm run loadtest:login-storm`.
// The last line of the output: `breaking point: <N> users (<resource> ran out first)`, N being
// the highest level that passed the gate.
import { cpus } from 'node:os';
import { stressStages } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { diagnoseBottleneck } from './bottleneck.ts';
import type { InstanceReading } from './instance-metrics.ts';
import { writeAndLogReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { startLoadTestStack } from './stack.ts';
import { loadAccounts, stackJwtSecret } from './accounts.ts';
import { signInPolicy } from './sign-in-policy.ts';

const env = process.env;
const log = (line: string) => console.log(`[loadtest:stress] ${line}`);
const databaseUrl = env.LOADTEST_STRESS_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest_stress';
const ACCOUNTS = 5000;

const t0 = Date.now();
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: 0.5, loadTestAccounts: ACCOUNTS, reseed: env.LOADTEST_RESEED !== '0', log });
let exitCode: number;
let breakingLine: string | undefined;

/** The resource in a bottleneck verdict, for the one-line result ("CPU of the machine", "database connections", ...). */
function resourceName(verdict: string, failed: boolean): string {
  if (!failed) return 'nothing';
  return verdict.split(/[.(;]/)[0].trim();
}
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
  const { returningShare, loginsPerS } = settings;
  const signIn = signInPolicy({ returningShare, loginsPerS, jwtSecret: stackJwtSecret(), ttlS: 86_400, accounts: await loadAccounts(databaseUrl) });
  log(`sign-ins: ${Math.round(returningShare * 100)}% of signed-in users return with a session token, the others sign in at <= ${loginsPerS}/s`);
  const summary = await runScenario({ settings, type: 'stress', stages, target: sut.target, log, signIn });
  const s = summary.stress!;
  const judged = s.levels.find((l) => !l.pass) ?? s.levels[s.levels.length - 1];
  if (judged) {
    s.bottleneck = `${s.firstFailingUsers ? `at ${judged.users} users` : `at the highest level tried (${judged.users} users, still passing)`}: ${diagnoseBottleneck(judged, (judged as { instances?: InstanceReading[] }).instances ?? [], cpus().length)}`;
  }
  summary.notes.push(
    `system under test: 2 API instances + worker + HAProxy, database ${new URL(databaseUrl).pathname.slice(1)} (${ACCOUNTS} load-test accounts); each level judged on its ${settings.stressStepS} s hold only; users arrive at ${(settings.stressStep / rampS).toFixed(0)}/s, ${Math.round(returningShare * 100)}% of signed-in users with a session token, password sign-ins <= ${loginsPerS}/s.`,
  );
  process.stdout.write(formatTextSummary(summary));
  breakingLine = `breaking point: ${s.maxPassingUsers ?? 0} users (${judged ? resourceName(diagnoseBottleneck(judged, (judged as { instances?: InstanceReading[] }).instances ?? [], cpus().length), !!s.firstFailingUsers) : 'nothing measured'} ran out first)`;
  await writeAndLogReports(summary, env.REPORT_DIR, 'stress', log);
  exitCode = summary.passed ? 0 : 1;
} finally {
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
if (breakingLine) console.log(breakingLine);
process.exit(exitCode);
