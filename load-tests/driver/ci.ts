// `npm run loadtest:ci [-- --handicap 0.5 --aging writer-history]`: the release gate on this
// machine, no Docker, no k6. It tests what users run:
// - the stack as `npm start` configures it (stack.ts config 'npm-start': .env.example as is, so
//   LOG_LEVEL=info and every limit at its default; Prometheus scraping; the worker; HAProxy with
//   infra/haproxy/haproxy.cfg; 2 API instances) on this suite's ports and a dedicated database;
// - on a database that has lived: re-seeded with the lived-in profile (libs/db seed-plan.ts: skewed
//   years of history, empty tags, deleted rows; same rows every run), then aged through the API by
//   a deterministic writer history (aging.ts: ~1500 articles, new/rare/emptied tags, comment and
//   favorite churn: the caches a real site has just invalidated) before the measured run;
// - with the CPU cost of a real generator: --handicap <cores> (default 0.5, what k6 at 1000 VUs
//   costs here) tops the driver's own CPU up to that share of a core for the whole run.
// Then 1000 concurrent users (every journey, chat included) with the Node driver - ramp 45 s,
// 65 s at full strength (60 s required) - and a non-zero exit when a release-gate threshold is
// breached. About 3.5 minutes in all. Users arrive as they do on a live site (sign-in-policy.ts,
// as in the stress run): 90% of the signed-in users return with the session token of an earlier
// visit (RETURNING_SHARE), the others sign in with their password, at most 10/s (LOGINS_PER_S).
// k6 runs the same split from a sessions file (`npm run loadtest:sessions`). The sign-in ceiling
// is measured on its own by `npm run loadtest:login-storm`.
// Reports: load-tests/reports/ci-{summary.json,report.html}; the summary's `conditions` records
// the configuration, the handicap and the aging. Everything it starts, it stops.
// Overrides: VUS, RAMP_UP, HOLD, RAMP_DOWN, LOADTEST_DATABASE_URL, LOADTEST_SEED_SCALE,
// LOADTEST_RESEED (0 keeps the rows there), REPORT_DIR, LOADTEST_FLOOR (0: no machine floor),
// LOADTEST_FLOOR_SECONDS (15). --aging none skips the aging (not a valid gate run).
import { parseArgs } from 'node:util';
import { stagesFor } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { ageDatabase, type AgingReport } from './aging.ts';
import { startHandicap } from './handicap.ts';
import { loadAccounts, stackJwtSecret } from './accounts.ts';
import { measureMachineFloor, type MachineFloor } from './machine-floor.ts';
import { writeAndLogReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { signInPolicy } from './sign-in-policy.ts';
import { startLoadTestStack } from './stack.ts';

const { values } = parseArgs({ options: { handicap: { type: 'string', default: '0.5' }, aging: { type: 'string', default: 'writer-history' }, config: { type: 'string', default: 'npm-start' } } });
const env = process.env;
const log = (line: string) => console.log(`[loadtest:ci] ${line}`);
const databaseUrl = env.LOADTEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest';
const MIN_FULL_STRENGTH_S = 60;
const handicapCores = Number(values.handicap);
if (!['writer-history', 'none'].includes(values.aging)) {
  console.error('--aging must be writer-history or none');
  process.exit(2);
}
// --config lab: LOG_LEVEL=warn and no Prometheus (the stress test's configuration). Not what users
// run; .ci/run uses it only until the npm-start configuration passes on the CI box (see .ci/run).
if (values.config !== 'npm-start' && values.config !== 'lab') {
  console.error('--config must be npm-start or lab');
  process.exit(2);
}
const stackConfig: 'npm-start' | 'lab' = values.config;

const t0 = Date.now();
// The machine's floor first, while the box is otherwise idle: the summary gives the stack's CPU per
// request as a multiple of it, a figure that carries across machines (machine-floor.ts). Five 3 s
// windows, the cheapest kept: other work on the box only ever adds to it.
// LOADTEST_FLOOR=0 skips it.
const measureFloor = () => measureMachineFloor({ users: 1000, seconds: Number(env.LOADTEST_FLOOR_SECONDS || '15'), windowS: 3 });
let floor: MachineFloor | undefined;
if (env.LOADTEST_FLOOR !== '0') {
  floor = await measureFloor();
  log(
    `machine floor: ${floor.usPerRequest} µs of CPU per request that does nothing (servers ${floor.serversUsPerRequest}, HAProxy ${floor.lbUsPerRequest}; ${floor.wakeupsPerRequest} wakeups; the cheapest 3 s window: ${floor.requests} requests from 1000 users, other work ${floor.otherPct}% of a core)`,
  );
}
// The lived-in seed profile (years of skewed tag history, empty tags, deleted rows, celebrity
// authors) at a small scale: 10k articles, seeded in seconds.
const seedScale = Number(env.LOADTEST_SEED_SCALE || '0.01');
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale, seedProfile: 'lived-in', reseed: env.LOADTEST_RESEED !== '0', config: stackConfig, log });
log(`stack up in ${((Date.now() - t0) / 1000).toFixed(0)} s: LB ${sut.stack.urls.lb}, instances ${sut.stack.urls.instances.join(' ')}`);

let exitCode: number;
const handicap = startHandicap(handicapCores);
try {
  log(`handicap: the generator costs ${handicapCores} core for the whole run (driver + burner pids ${handicap.pids().join(' ') || 'none'})`);
  sut.target.groups.push({ name: 'handicap (generator cost)', short: 'hcap', pids: () => handicap.pids() });
  const settings = resolveSettings({ RAMP_UP: '45s', HOLD: '65s', RAMP_DOWN: '5s', ...env, BASE_URL: sut.stack.urls.lb });
  let aging: AgingReport | undefined;
  if (values.aging === 'writer-history') aging = await ageDatabase({ baseUrl: sut.stack.urls.lb, settings, log });
  const { returningShare, loginsPerS } = settings;
  const signIn = signInPolicy({ returningShare, loginsPerS, jwtSecret: stackJwtSecret(), ttlS: 86_400, accounts: await loadAccounts(databaseUrl) });
  log(`sign-ins: ${Math.round(returningShare * 100)}% of signed-in users return with a session token, the others sign in at <= ${loginsPerS}/s`);
  const summary = await runScenario({ settings, type: 'ci', stages: stagesFor('ci', settings), target: sut.target, log, signIn });
  if (floor && summary.stackCpu) summary.stackCpu.floor = floor;
  summary.conditions = {
    stack:
      stackConfig === 'npm-start'
        ? 'npm start configuration (.env.example as is: LOG_LEVEL=info, default limits; Prometheus scraping; worker; HAProxy; 2 API instances); no static web front end'
        : 'lab configuration (LOG_LEVEL=warn, no Prometheus; otherwise as npm start: worker, HAProxy, 2 API instances); NOT what npm start gives',
    handicapCores,
    seed: { profile: 'lived-in', scale: seedScale },
    aging: aging ?? 'none',
    signIns: { returningShare, passwordSignInsPerSMax: loginsPerS },
  };
  summary.notes.push(
    `system under test: ${stackConfig === 'npm-start' ? 'the npm start configuration (LOG_LEVEL=info, Prometheus scraping)' : 'the LAB configuration (LOG_LEVEL=warn, no Prometheus)'} - 2 API instances + worker + HAProxy${stackConfig === 'npm-start' ? ' + Prometheus' : ''}, own cache and queue Redis, database ${new URL(databaseUrl).pathname.slice(1)}; generator on the same 2-core box topped up to ${handicapCores} core (handicap).`,
  );
  summary.notes.push(
    aging
      ? `sign-ins: ${Math.round(returningShare * 100)}% of signed-in users returned with a session token, the others signed in with their password at <= ${loginsPerS}/s; database aged before the run: ${aging.articlesCreated} articles by writers (${aging.articlesDeleted} deleted, ${aging.tagsEmptied} tags left empty), ${aging.comments} comments, ${aging.favoriteToggles} favorite changes.`
      : 'database NOT aged (--aging none): not a valid release-gate run',
  );
  const fullS = summary.users.fullStrengthS ?? 0;
  if (fullS < MIN_FULL_STRENGTH_S) {
    summary.notes.push(`only ${fullS.toFixed(0)} s at full strength (${MIN_FULL_STRENGTH_S} s required): not a valid release-gate run`);
    summary.passed = false;
  }
  if (!aging) summary.passed = false;
  // The floor again once the stack and the handicap have stopped: this box's speed drifts by tens
  // of percent within minutes, and a multiple taken against one end only would carry that drift.
  if (floor && summary.stackCpu) {
    await handicap.stop();
    await sut.stop();
    const after = await measureFloor();
    summary.stackCpu.floorAfter = after;
    log(`machine floor after the run: ${after.usPerRequest} µs per request (before: ${floor.usPerRequest}; ${after.wakeupsPerRequest} wakeups, other work ${after.otherPct}% of a core)`);
  }
  process.stdout.write(formatTextSummary(summary));
  await writeAndLogReports(summary, env.REPORT_DIR, 'ci', log);
  exitCode = summary.passed ? 0 : 1;
} finally {
  await handicap.stop();
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
