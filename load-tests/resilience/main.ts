// `npm run test:resilience [-- --ci] [-- --only <substring>[,..]] [-- --name <results file name>]`: the fault scenarios (scenarios/)
// against the no-Docker stack (2 API instances, worker, HAProxy, own cache and queue Redis) and
// the suite's OWN PostgreSQL cluster (port 5440, behind a fault proxy on 5441), under steady
// mixed load from the load driver's journeys (cached and uncached GETs, POSTs, logins) plus
// Socket.IO chat clients. Prints one table (scenario, outcome, figures), writes
// load-tests/resilience/results/latest.{md,json} (--ci: ci-latest.*), exits 1 if any scenario
// misses its expected outcome. --ci (or RESILIENCE_CI=1) shortens every phase (~9 min in all).
// Loopback only; everything it starts, it stops (the shared PostgreSQL on 5432 is never used).
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPLICA_MAX_LAG_MS, REPO, STACK_ENV, startEnvironment, REQUEST_BUDGET_MS } from './environment.ts';
import { formatTable, writeResults } from './report.ts';
import { runScenario, type ScenarioResult } from './scenario-runner.ts';
import { CI, FULL, scenarios } from './scenarios/index.ts';
import { writeOverloadReport } from './overload-chart.ts';
import { OVERLOAD_CI, OVERLOAD_FULL, lastOverloadTimeline, overloadScenario } from './overload.scenario.ts';

const { values } = parseArgs({ options: { ci: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' } } });
const ci = values.ci || process.env.RESILIENCE_CI === '1';
const only = values.only
  ?.split(',')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
// --only can pick the database-tier scenarios in CI mode too (they are left out of a plain --ci run).
const durations = ci ? { ...CI, databaseTier: Boolean(only) } : FULL;
const t0 = Date.now();
const log = (line: string) => console.log(`[resilience ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}`);
const load0 = loadavg()[0];

const env = await startEnvironment(log);
let stopping = false;
const onSignal = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  void env.stop().finally(() => process.exit(130));
};
process.once('SIGINT', () => onSignal('SIGINT'));
process.once('SIGTERM', () => onSignal('SIGTERM'));

const results: ScenarioResult[] = [];
try {
  const users = ci ? { anonymous: 10, reader: 6, writer: 3 } : { anonymous: 24, reader: 14, writer: 6 };
  // The overload scenario runs in full mode, or in CI mode when asked for (--ci --only overload): it
  // saturates the 2-core box with its own generator on it, so its margins depend on nothing else
  // running (README, "Behaviour under overload"); it does not gate every change.
  const overload = !ci || only ? [overloadScenario(ci ? OVERLOAD_CI : OVERLOAD_FULL)] : [];
  for (const spec of [...scenarios(durations), ...overload]) {
    if (only && !only.some((o) => spec.name.toLowerCase().includes(o))) continue;
    log(`${spec.name}: start`);
    const r = await runScenario(spec, { env, users, loginsPerSecond: ci ? 1 : 2, log });
    results.push(r);
    log(
      `${spec.name}: ${r.pass ? 'PASS' : 'FAIL'} (${r.durationS.toFixed(0)} s)${
        r.pass
          ? ''
          : ` - ${r.checks
              .filter((c) => !c.pass)
              .map((c) => `${c.label}: ${c.detail}`)
              .join('; ')}`
      }`,
    );
    if (r.error) log(r.error);
  }
} finally {
  await env.stop();
}

const durationS = Math.round((Date.now() - t0) / 1000);
const table = formatTable(results);
console.log(`\n${table}\n`);
const files = writeResults(
  values.out ?? join(REPO, 'load-tests/resilience/results'),
  results,
  {
    mode: ci ? 'CI (shortened)' : 'full',
    startedAt: new Date(t0).toISOString(),
    durationS,
    machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (box shared with other work)`,
    command: `npm run test:resilience${ci ? ' -- --ci' : ''}${only ? ` -- --only "${values.only}"` : ''}${values.name ? ` --name ${values.name}` : ''}`,
    // Per-second timeline of the overload scenario (the charts' data), when it ran.
    overload: lastOverloadTimeline,
    notes: [
      `Load: ${ci ? '10 anonymous, 6 signed-in readers, 3 writers' : '24 anonymous, 14 signed-in readers, 6 writers'} (load driver journeys, think 150-600 ms, source addresses 127.0.0.2-250) + a login loop (${ci ? 1 : 2}/s) + 6 Socket.IO chat clients in one room (1 message/s each) where the scenario measures chat.`,
      `Stack: 2 API instances + worker + HAProxy + own cache/queue Redis (libs/stack startStack), own PostgreSQL 15 cluster on 5440 behind a loopback fault proxy (5441). The database-tier scenarios run on the stack restarted with PgBouncer (6440, transaction mode) and a streaming read replica (5444, DB_REPLICA_MAX_LAG_MS=${REPLICA_MAX_LAG_MS}).`,
      `Test configuration: REQUEST_TIMEOUT_MS=${REQUEST_BUDGET_MS} (the budget), DB_POOL_ACQUIRE_TIMEOUT_MS=${STACK_ENV.DB_POOL_ACQUIRE_TIMEOUT_MS}, DB_STATEMENT_TIMEOUT_MS=${STACK_ENV.DB_STATEMENT_TIMEOUT_MS}; load shedding on event-loop delay off (shared 2-core box); worker lock 5 s / stalled check 2 s.`,
      'A "failure" is no response or a 5xx; 4xx answers (429 rate limits, 404 on a just-deleted object) are counted by status but are not failures. Over budget = slower than the budget + 1 s.',
      'Phases: a request belongs to the phase in which it was sent.',
    ],
  },
  values.name ?? (only ? (ci ? 'ci-partial-latest' : 'partial-latest') : ci ? 'ci-latest' : 'latest'),
);
console.log(`results: ${files.md}\n         ${files.json}`);
const overload = lastOverloadTimeline;
if (overload) {
  const chart = writeOverloadReport(values.out ?? join(REPO, 'load-tests/resilience/results'), ci ? 'overload-ci' : 'overload', overload, {
    startedAt: new Date(t0).toISOString(),
    machine: `${cpus().length} cores, Node ${process.version}`,
    command: `npm run test:resilience${ci ? ' -- --ci' : ''}`,
  });
  console.log(`overload charts: ${chart.html}\n                 ${chart.svg}`);
}
const failed = results.filter((r) => !r.pass);
log(`${results.length - failed.length}/${results.length} scenarios passed in ${durationS} s`);
process.exit(failed.length ? 1 : 0);
