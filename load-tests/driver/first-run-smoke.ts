// `npm run loadtest:first-run`: the smoke test passes on the FIRST run after the stack starts. Starts
// the stack as `npm start` configures it (stack.ts config 'npm-start': .env.example as is, 2 API
// instances, worker, HAProxy, Prometheus) on a small seeded database, and the moment startStack
// returns (every instance ready, HAProxy routing to each) runs the driver's smoke profile
// (`--type smoke`: every journey once, 5 users, ~21 s) against it, with no pause and no earlier
// request. Exits 1 unless the smoke gate passes. Cold instances used to fail it (p95 365 ms, p99
// 453 ms right after start); readiness now waits for the warm-up (apps/api/src/warmup). About 45 s.
// Overrides: FIRST_RUN_DATABASE_URL. Everything it starts, it stops.
import { stagesFor } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { runScenario } from './run.ts';
import { startLoadTestStack } from './stack.ts';

const log = (line: string) => console.log(`[loadtest:first-run] ${line}`);
const databaseUrl = process.env.FIRST_RUN_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_first_run';
const t0 = Date.now();
// Seeded once (kept between runs): this checks cold processes, not a cold database.
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: 0.02, reseed: false, config: 'npm-start', log });
const upS = (Date.now() - t0) / 1000;
let passed: boolean;
try {
  log(`stack up in ${upS.toFixed(0)} s (every instance ready after its warm-up); smoke run starts now`);
  const settings = resolveSettings({ ...process.env, BASE_URL: sut.stack.urls.lb });
  const summary = await runScenario({ settings, type: 'smoke', stages: stagesFor('smoke', settings), target: sut.target, log });
  process.stdout.write(formatTextSummary(summary));
  passed = summary.passed;
  log(`first smoke run after start: ${passed ? 'PASS' : 'FAIL'}`);
} finally {
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(passed ? 0 : 1);
