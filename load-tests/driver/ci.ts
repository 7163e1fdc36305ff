// `npm run loadtest:ci`: the release gate on this machine, no Docker, no k6.
// Starts the no-Docker stack (2 API instances, the worker, HAProxy, cache + queue Redis; see
// stack.ts) on this suite's ports, seeds a dedicated database if needed, runs 1000 concurrent
// users (every journey, chat included) with the Node driver - ramp 45 s (550 sign-ins at ~26 ms
// of argon2 CPU each land there), 65 s at full strength (60 s required) - and exits non-zero when
// a release-gate threshold is breached. About 2.5 minutes in all.
// Reports: load-tests/reports/ci-{summary.json,report.html}. Everything it starts, it stops.
// The database is re-seeded first (same rows every run; LOADTEST_RESEED=0 keeps what is there).
// Overrides: VUS, RAMP_UP, HOLD, RAMP_DOWN, LOADTEST_DATABASE_URL, LOADTEST_SEED_SCALE, LOADTEST_RESEED, REPORT_DIR.
import { join } from 'node:path';
import { stagesFor } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { writeReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { REPO, startLoadTestStack } from './stack.ts';

const env = process.env;
const log = (line: string) => console.log(`[loadtest:ci] ${line}`);
const databaseUrl = env.LOADTEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest';
const MIN_FULL_STRENGTH_S = 60;

const t0 = Date.now();
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: Number(env.LOADTEST_SEED_SCALE || '0.2'), reseed: env.LOADTEST_RESEED !== '0', log });
log(`stack up in ${((Date.now() - t0) / 1000).toFixed(0)} s: LB ${sut.stack.urls.lb}, instances ${sut.stack.urls.instances.join(' ')}`);

let exitCode = 1;
try {
  const settings = resolveSettings({ RAMP_UP: '45s', HOLD: '65s', RAMP_DOWN: '5s', ...env, BASE_URL: sut.stack.urls.lb });
  const summary = await runScenario({ settings, type: 'ci', stages: stagesFor('ci', settings), target: sut.target, log });
  summary.notes.push(`system under test: 2 API instances + worker + HAProxy (scripts/stack startStack), own cache and queue Redis, database ${new URL(databaseUrl).pathname.slice(1)}; generator on the same 2-core box.`);
  const fullS = summary.users.fullStrengthS ?? 0;
  if (fullS < MIN_FULL_STRENGTH_S) {
    summary.notes.push(`only ${fullS.toFixed(0)} s at full strength (${MIN_FULL_STRENGTH_S} s required): not a valid release-gate run`);
    summary.passed = false;
  }
  process.stdout.write(formatTextSummary(summary));
  const files = await writeReports(summary, env.REPORT_DIR || join(REPO, 'load-tests/reports'), 'ci');
  log(`summary: ${files.json}`);
  log(`report:  ${files.html}`);
  exitCode = summary.passed ? 0 : 1;
} finally {
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
