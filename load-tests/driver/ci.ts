// `npm run loadtest:ci`: the release gate on this machine, no Docker, no k6.
// Starts the no-Docker stack (scripts/stack: 2 API instances, the worker, HAProxy, its own
// cache and queue Redis) on this suite's ports, seeds a dedicated database if needed, runs 1000
// concurrent users (all journeys, chat included) with the Node driver - ramp 30 s, at least
// 60 s at full strength - and exits non-zero when a release-gate threshold is breached.
// Reports: load-tests/reports/ci-{summary.json,report.html}. Everything it starts, it stops.
// Overrides: VUS, RAMP_UP, HOLD, RAMP_DOWN, LOADTEST_DATABASE_URL, LOADTEST_SEED_SCALE, REPORT_DIR.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stagesFor } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { childrenOf } from './process-cpu.ts';
import { writeReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { processGroups } from './target.ts';

/** The part of scripts/stack/stack.ts (engineer F's startStack) this script uses. */
interface StackModule {
  startStack(options: Record<string, unknown>): Promise<{
    urls: { lb: string; instances: string[]; cacheRedis: string; queueRedis: string };
    runDir: string;
    instances: Array<{ id: string; process: { pid: number | undefined } }>;
    stop(): Promise<void>;
  }>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** This suite's fixed ports (LB 8090-8099, API 3020-3039, Redis 6385-6389, misc 4160-4169). */
export const LOADTEST_PORTS = { lb: 8090, lbStats: 8091, api: [3020, 3021], worker: 4160, web: 4161, prometheus: 4162, cacheRedis: 6385, queueRedis: 6386 };

const env = process.env;
const databaseUrl = env.LOADTEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest';
const log = (line: string) => console.log(`[loadtest:ci] ${line}`);

// A variable specifier: the stack module is loaded at run time, so typechecking the driver
// does not depend on the stack's sources.
const stackModulePath = join(REPO, 'scripts/stack/stack.ts');
const { startStack } = (await import(stackModulePath)) as StackModule;

const t0 = Date.now();
const stack = await startStack({
  instances: 2,
  ports: LOADTEST_PORTS,
  databaseUrl,
  migrate: true,
  seed: Number(env.LOADTEST_SEED_SCALE || '0.2'),
  prometheus: false,
  web: false,
  runDir: join(REPO, 'var/loadtest-stack'),
  env: { LOG_LEVEL: 'warn' },
  log,
});
log(`stack up in ${((Date.now() - t0) / 1000).toFixed(0)} s: LB ${stack.urls.lb}, instances ${stack.urls.instances.join(' ')}`);

let exitCode = 1;
try {
  const settings = resolveSettings({ RAMP_UP: '30s', HOLD: '75s', RAMP_DOWN: '5s', ...env, BASE_URL: stack.urls.lb });
  const pidsFile = () => {
    try {
      return JSON.parse(readFileSync(join(stack.runDir, 'pids.json'), 'utf8')) as Array<{ pid: number; cmd: string[] }>;
    } catch {
      return [];
    }
  };
  const pidsOf = (match: (cmd: string) => boolean) => () => {
    const roots = pidsFile().filter((p) => match(p.cmd.join(' '))).map((p) => p.pid);
    return roots.flatMap((pid) => [pid, ...childrenOf(pid)]);
  };
  const redisPorts = [stack.urls.cacheRedis, stack.urls.queueRedis].map((u) => Number(new URL(u).port));
  const { groups, close } = processGroups({
    apiPids: stack.instances.map((h) => () => (h.process.pid ? [h.process.pid] : [])),
    workerPids: pidsOf((cmd) => cmd.includes('apps/worker/dist/main.js')),
    lbPids: pidsOf((cmd) => cmd.startsWith('haproxy')),
    redisPorts,
    databaseUrl,
  });
  const summary = await runScenario({ settings, type: 'ci', stages: stagesFor('ci', settings), target: { baseUrl: settings.baseUrl, instanceUrls: stack.urls.instances, groups }, log });
  await close();
  summary.notes.push(`stack: 2 API instances + worker + HAProxy (scripts/stack startStack), cache Redis :${redisPorts[0]}, queue Redis :${redisPorts[1]}, database ${new URL(databaseUrl).pathname.slice(1)}`);
  process.stdout.write(formatTextSummary(summary));
  const files = await writeReports(summary, env.REPORT_DIR || join(REPO, 'load-tests/reports'), 'ci');
  log(`summary: ${files.json}`);
  log(`report:  ${files.html}`);
  if ((summary.users.fullStrengthS ?? 0) < 60) {
    log(`FAIL: only ${summary.users.fullStrengthS?.toFixed(0)} s at full strength (at least 60 s required)`);
  } else {
    exitCode = summary.passed ? 0 : 1;
  }
} finally {
  await stack.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
