// `npm run bench:cost`: where the CPU of one request goes. On the loadtest:ci stack (2 API
// instances, worker, HAProxy, own Redis) backed by a private PostgreSQL cluster with
// pg_stat_statements, it
//  1. runs the 1000-user mixed journey (Node driver) with `node --cpu-prof` on the API instances
//     and the worker, and reads CPU per process, pg_stat_statements and Redis commands over the
//     judged hold only (the ramp's sign-ins are left out);
//  2. measures each endpoint and chat event alone (endpoint-cost.ts, chat-cost.ts);
//  3. writes bench/results/cost-per-request.{json,md}, with the previous "before" figures
//     (cost-per-request.before.json) beside the new ones.
// COST_SAVE_AS=before stores this run as the baseline. About 4 minutes; run it under the
// heavy-work lock on a shared box.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresCluster } from '../../load-tests/resilience/postgres-cluster.ts';
import { describeMachine } from '../../load-tests/driver/run.ts';
import { runMixedJourney } from './mixed-run.ts';
import { REPO, startLoadTestStack } from '../../load-tests/driver/stack.ts';
import { mergeProfiles } from './cpu-profile.ts';
import { endpointCases, measureEndpoint, mintSessions } from './endpoint-cost.ts';
import { measureChat } from './chat-cost.ts';
import { RedisCommandCount, StatementStats } from './statement-stats.ts';
import { writeCostReport, type CostRun } from './cost-report.ts';

const env = process.env;
const log = (line: string) => console.log(`[bench:cost] ${line}`);
const PG_PORT = Number(env.COST_PG_PORT || '5441');
// The release gate's ramp (50 s to 1000 users). Profiled instances run slower, and a 30 s ramp
// overloaded them on a box where a system call costs 1 µs: the run then measured admission
// control's fast 503s (4% of the judged window) rather than the journey.
const RAMP_S = Number(env.COST_RAMP_S || '50');
const HOLD_S = Number(env.COST_HOLD_S || '40');
const VUS = env.VUS || '1000';
// COST_MIXED=0: endpoints and chat only (a quick check while working; writes no report).
const MIXED = env.COST_MIXED !== '0';
const ONLY = env.COST_ONLY ? new RegExp(env.COST_ONLY) : undefined;
const JWT_SECRET = 'dev-only-secret-change-me'; // .env.example, what the load-test stack runs with
const RESULTS = join(REPO, 'bench/results');
const t0 = Date.now();

const cluster = new PostgresCluster(PG_PORT);
cluster.init();
await cluster.start(['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=top', 'pg_stat_statements.track_planning=on', 'pg_stat_statements.max=2000']);
const databaseUrl = `postgresql://postgres@127.0.0.1:${PG_PORT}/conduit_cost`;
const profDir = join(REPO, 'var/cost-profiles');
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });

let sut: Awaited<ReturnType<typeof startLoadTestStack>> | undefined;
const stats = new StatementStats(databaseUrl);
try {
  sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: Number(env.COST_SEED_SCALE || '0.2'), reseed: true, nodeArgs: MIXED ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [], log });
  await stats.open();
  const redis = [sut.stack.urls.cacheRedis, sut.stack.urls.queueRedis].map((u) => new RedisCommandCount(u));
  const groups = sut.target.groups;

  // --- 1. the mixed journey ---
  const mixed = MIXED ? await runMixedJourney({ vus: Number(VUS), rampS: RAMP_S, holdS: HOLD_S, target: sut.target, stats, redis, log }) : undefined;

  // --- 2. each endpoint and chat event alone ---
  const sessions = await mintSessions(databaseUrl, JWT_SECRET, 200);
  const slugRows = await fetch(`${sut.stack.urls.lb}/api/articles?limit=100`).then((r) => r.json() as Promise<{ articles: Array<{ slug: string }> }>);
  const ctx = { slugs: slugRows.articles.map((a) => a.slug), usernames: sessions.map((s) => s.username) };
  const endpoints = [];
  for (const c of endpointCases(Number(env.COST_SCALE || '1')).filter((x) => !ONLY || ONLY.test(x.name))) {
    const row = await measureEndpoint({ baseUrl: sut.stack.urls.lb, c, ctx, sessions, groups, stats, redis, concurrency: 16 });
    log(
      `${row.name}: API ${row.cpuUs.api?.toFixed(0)} µs, LB ${row.cpuUs.lb?.toFixed(0)} µs, PostgreSQL ${row.pgExecUs.toFixed(0)} µs exec, Redis ${row.redisCalls.toFixed(2)} calls ${JSON.stringify(row.redisCommands)}${row.failed ? `, ${row.failed} failed` : ''}`,
    );
    endpoints.push(row);
  }
  const chat = await measureChat({ baseUrl: sut.stack.urls.lb, sessions, groups, stats, redis, clients: 100, messages: 1000 });
  for (const row of chat.rows) log(`${row.name}: API ${row.cpuUs.api?.toFixed(0)} µs, Redis ${row.redisCalls.toFixed(2)} calls${row.failed ? `, ${row.failed} failed` : ''}`);
  redis.forEach((r) => r.close());

  const apiPids = sut.stack.instances.map((h) => h.process.pid);
  await sut.stop();
  sut = undefined;
  const profiles = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
  const pidOf = (f: string) => Number(f.split('.')[3]);
  const window = mixed?.window ?? { fromUs: 0, toUs: 0 };
  const api = mergeProfiles(
    profiles.filter((f) => apiPids.includes(pidOf(f))).map((f) => join(profDir, f)),
    window,
  );
  const worker = mergeProfiles(
    profiles.filter((f) => !apiPids.includes(pidOf(f))).map((f) => join(profDir, f)),
    window,
  );

  if (!mixed) {
    log(`COST_MIXED=0: no report written (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } else {
    const requests = mixed.mixed.requests;
    const perRequest = <T extends { selfUs: number }>(x: T) => ({ ...x, usPerRequest: x.selfUs / requests });
    const run: CostRun = {
      measuredAt: new Date().toISOString(),
      machine: describeMachine(),
      commit: env.COST_COMMIT ?? '',
      mixed: mixed.mixed,
      apiFrames: api.frames.slice(0, 40).map(perRequest),
      apiAreas: api.areas.slice(0, 25).map(perRequest),
      apiProfiledUsPerRequest: api.busyUs / requests,
      workerFrames: worker.frames.slice(0, 10).map(perRequest),
      statements: mixed.statements,
      endpoints,
      chat: chat.rows,
      chatDeliveriesPerMessage: chat.deliveriesPerMessage,
    };
    const files = writeCostReport(run, RESULTS, env.COST_SAVE_AS === 'before');
    log(`wrote ${files.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await sut?.stop().catch(() => {});
  await stats.close();
  await cluster.stop();
  cluster.destroy();
}
process.exit(0);
