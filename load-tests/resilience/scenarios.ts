// The fault scenarios of issue 9 and their expected outcomes. Durations come from `d` (full or
// CI). Each fault returns when it is lifted; checks compare the phases with the expectation.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SourceAddressPool } from '../driver/http-client.ts';
import { REQUEST_BUDGET_MS, type Environment } from './environment.ts';
import type { PhaseFigures, Sample } from './phase-stats.ts';
import { allReady, check, countBy, httpStatus, isServerFailure, lastFailureAfter, sendHttp, timeUntil, type Check, type FaultContext, type ScenarioSpec } from './scenario-runner.ts';
import { coldStart } from './cold-start.ts';
import { workerBatch } from './worker-batch.ts';

export interface Durations {
  beforeS: number;
  afterS: number;
  /** Length of a short fault (Redis kill/freeze, PostgreSQL down). */
  faultS: number;
  /** "Redis down longer than ioredis's retry budget". */
  longRedisS: number;
  /** Cold start: how long dependencies stay down. */
  coldDownS: number;
}

export const FULL: Durations = { beforeS: 15, afterS: 20, faultS: 10, longRedisS: 90, coldDownS: 20 };
export const CI: Durations = { beforeS: 3, afterS: 6, faultS: 5, longRedisS: 20, coldDownS: 5 };

/** A request answered later than its budget (REQUEST_TIMEOUT_MS) plus LB/client slack. */
const BUDGET_SLACK_MS = 1_000;
const overBudget = (s: Sample) => s.ms > REQUEST_BUDGET_MS + BUDGET_SLACK_MS;
const fmtMs = (v: number | undefined) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
const sum = (ps: PhaseFigures[], f: (p: PhaseFigures) => number) => ps.reduce((a, p) => a + f(p), 0);
const fails = (samples: readonly Sample[], method: string, from: number, to = Infinity) => countBy(samples, (s) => s.method === method && s.at >= from && s.at < to && isServerFailure(s));
const noExits = (exits: Array<{ name: string }>): Check => check('0 process exits', exits.length === 0, exits.length ? exits.map((e) => e.name).join(', ') : '0');

function redisProc(env: Environment, role: 'cache' | 'queue') {
  const p = env.stack.processes.find((x) => x.name === `redis-${role}`);
  if (!p) throw new Error(`redis-${role} is not managed by the stack`);
  return p;
}

async function redisAnswers(port: number): Promise<boolean> {
  const { Socket } = await import('node:net');
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** 30 wrong-password logins for one account from one address while Redis is away: the login limits fall back to per-instance memory (documented), so 429s still come; never a 5xx. */
async function bruteForceProbe(env: Environment): Promise<{ statuses: Record<string, number> }> {
  const pool = new SourceAddressPool({ first: 199, last: 199, connectionsPerAddress: 1 });
  const statuses: Record<string, number> = {};
  try {
    for (let i = 0; i < 30; i++) {
      const res = await sendHttp(env.stack.urls.lb, pool.agentFor(1), { method: 'POST', path: '/api/users/login', body: { user: { email: 'loadtest-0777@load.test', password: 'wrong-password-xyz' } }, auth: false }, undefined, 5_000);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  } finally {
    await pool.close();
  }
  return { statuses };
}

async function rssMb(pids: Array<number | undefined>): Promise<number> {
  const { readFileSync } = await import('node:fs');
  let kb = 0;
  for (const pid of pids) {
    if (!pid) continue;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

/** Redis (cache role) killed or frozen for faultS: cached reads from PostgreSQL, <= 0.1% 5xx, budgets, chat back within 5 s, login limits per instance. */
function cacheRedisScenario(kind: 'kill' | 'freeze', d: Durations): ScenarioSpec {
  return {
    name: kind === 'kill' ? `cache Redis killed ${d.faultS} s` : `cache Redis frozen (SIGSTOP) ${d.faultS} s`,
    expected: '<= 0.1% 5xx, no request over budget, 0 exits, chat resumes <= 5 s after, login limits hold (429, no 5xx)',
    chat: true,
    dependency: 'redis_cache',
    beforeS: d.beforeS,
    afterS: d.afterS,
    async fault(ctx) {
      const redis = redisProc(ctx.env, 'cache');
      const port = ctx.env.stack.ports.cacheRedis;
      const t0 = Date.now();
      if (kind === 'kill') {
        ctx.expectExit('redis-cache');
        redis.kill('SIGKILL');
      } else redis.crash('SIGSTOP');
      const probe = bruteForceProbe(ctx.env);
      await sleep(Math.max(0, d.faultS * 1000 - (Date.now() - t0)));
      const probeResult = await probe;
      if (kind === 'kill') redis.start();
      else redis.crash('SIGCONT');
      await timeUntil(() => redisAnswers(port), 10_000);
      const liftedAt = Date.now();
      const liftedPerf = performance.now();
      const p = probeResult.statuses;
      const five = Object.entries(p).filter(([s]) => Number(s) >= 500 || s === '0').reduce((a, [, n]) => a + n, 0);
      return {
        liftedAt,
        liftedPerf,
        figures: { 'brute-force probe statuses': JSON.stringify(p) },
        checks: [check('login limits hold without Redis (per-instance memory)', (p['429'] ?? 0) > 0 && five === 0, `30 wrong logins, one address: ${JSON.stringify(p)}`)],
      };
    },
    judge({ phases, samples, clock, chat, outcome, exits }) {
      const ps = [phases.during, phases.after];
      const total = sum(ps, (p) => p.requests);
      const bad = sum(ps, (p) => p.status5xx + p.connectionErrors);
      const from = clock.window('during')?.[0] ?? 0;
      const over = countBy(samples, (s) => s.at >= from && overBudget(s));
      const lastFail = outcome.liftedPerf !== undefined ? lastFailureAfter(samples, outcome.liftedPerf) : undefined;
      outcome.figures = { ...outcome.figures, 'last failed request after Redis returned': fmtMs(lastFail) };
      return [
        check('<= 0.1% 5xx/errors during+after', total > 0 && bad / total <= 0.001, `${bad}/${total} (${((100 * bad) / Math.max(1, total)).toFixed(2)}%)`),
        check(`no request over its budget (${REQUEST_BUDGET_MS} ms + ${BUDGET_SLACK_MS} ms)`, over === 0, `${over} over; max ${fmtMs(Math.max(...ps.map((p) => p.max ?? 0)))}`),
        noExits(exits),
        check('chat resumes <= 5 s after Redis returns', chat?.resumeMs !== undefined && chat.resumeMs <= 5_000, `resume ${fmtMs(chat?.resumeMs)}`),
        check('no chat message lost', (chat?.lost ?? 1) === 0, `lost ${chat?.lost}, acked ${chat?.acked}`),
      ];
    },
  };
}

export function scenarios(d: Durations): ScenarioSpec[] {
  return [
    {
      name: 'rolling restart of every API instance',
      expected: '0 failed GETs, 0 failed POSTs, every chat client reconnects, no chat message lost',
      chat: true,
      beforeS: d.beforeS,
      afterS: d.afterS,
      async fault(ctx) {
        const t0 = Date.now();
        for (const h of ctx.env.stack.instances) {
          ctx.expectExit(h.id);
          await ctx.env.stack.restartInstance(h.index);
        }
        return { liftedAt: Date.now(), liftedPerf: performance.now(), recoverMs: undefined, figures: { 'rolling restart took': fmtMs(Date.now() - t0) } };
      },
      judge({ phases, chat, exits }) {
        const ps = [phases.during, phases.after];
        const get = sum(ps, (p) => Object.entries(p.byMethodStatus).filter(([k]) => /^GET (ERR|5)/.test(k)).reduce((a, [, n]) => a + n, 0));
        const post = sum(ps, (p) => Object.entries(p.byMethodStatus).filter(([k]) => /^(POST|PUT|DELETE) (ERR|5)/.test(k)).reduce((a, [, n]) => a + n, 0));
        return [
          check('0 failed GETs', get === 0, `${get}`),
          check('0 failed POSTs/PUTs/DELETEs', post === 0, `${post}`),
          check('every chat client reconnected', !!chat && chat.notConnected === 0 && chat.reconnects >= 1, `${chat?.reconnects} reconnects of ${chat?.disconnects} disconnects, p99 ${fmtMs(chat?.reconnectP99Ms)}, ${chat?.notConnected} not connected`),
          check('no chat message lost', (chat?.lost ?? 1) === 0, `lost ${chat?.lost}, acked ${chat?.acked}`),
          noExits(exits),
        ];
      },
    },
    {
      name: 'SIGKILL of one API instance',
      expected: '0 failed GETs after the LB notices; failed POSTs <= in flight; Idempotency-Key retry -> no duplicate',
      chat: false,
      beforeS: d.beforeS,
      afterS: d.afterS,
      async fault(ctx) {
        const idem = idempotentPoster(ctx);
        await sleep(1_000);
        ctx.expectExit('api-1');
        const killPerf = performance.now();
        await ctx.env.stack.killInstance(1, 'SIGKILL');
        // kill() returns before the process is gone: until its exit is observed, the kernel still
        // completes TCP handshakes into its listen backlog, so a request sent in that window reached
        // the dying instance (it was in flight there) rather than being refused and redispatched.
        const diedPerf = performance.now();
        const t0 = Date.now();
        await ctx.env.stack.waitForLbState(1, 'DOWN');
        const detectMs = Date.now() - t0;
        await sleep(d.faultS * 1000);
        const t1 = Date.now();
        await ctx.env.stack.startInstance(1);
        const idemResult = await idem.stop();
        return {
          liftedAt: Date.now(),
          liftedPerf: performance.now(),
          detectMs,
          recoverMs: Date.now() - t1,
          figures: { killPerf, diedPerf, 'Idempotency-Key posts': idemResult.summary },
          checks: idemResult.checks,
        };
      },
      judge({ samples, outcome, exits }) {
        const killPerf = Number(outcome.figures?.killPerf);
        const diedPerf = Number(outcome.figures?.diedPerf);
        delete outcome.figures?.killPerf;
        delete outcome.figures?.diedPerf;
        const noticed = killPerf + (outcome.detectMs ?? 0);
        // In flight at the kill: sent before the process had finished dying, still open at kill().
        const inflightPosts = countBy(samples, (s) => s.method === 'POST' && s.at <= diedPerf && s.at + s.ms >= killPerf);
        const postFails = fails(samples, 'POST', killPerf);
        const failedAt = samples.filter((s) => s.method === 'POST' && s.at >= killPerf && isServerFailure(s)).map((s) => `${s.endpoint} sent ${Math.round(s.at - killPerf)} ms after the kill: ${s.status || s.error}`);
        const getAfter = fails(samples, 'GET', noticed);
        const getBefore = fails(samples, 'GET', killPerf, noticed);
        outcome.figures = { ...outcome.figures, 'GET failures before LB noticed': getBefore, 'POSTs in flight at kill': inflightPosts, 'process gone after kill()': `${Math.round(diedPerf - killPerf)} ms` };
        return [
          check('0 failed GETs after the LB noticed', getAfter === 0, `${getAfter} (LB noticed after ${fmtMs(outcome.detectMs)}; ${getBefore} before)`),
          check('failed POSTs <= POSTs in flight at the kill', postFails <= inflightPosts, `${postFails} failed, ${inflightPosts} in flight${failedAt.length ? ` (${failedAt.join('; ')})` : ''}`),
          noExits(exits),
        ];
      },
    },
    cacheRedisScenario('kill', d),
    cacheRedisScenario('freeze', d),
    {
      name: `Redis down ${d.longRedisS} s (cache and queue roles)`,
      expected: 'no process exits, memory bounded, full recovery <= 10 s after Redis returns',
      chat: true,
      dependency: 'redis_cache',
      beforeS: d.beforeS,
      afterS: Math.max(d.afterS, 12),
      async fault(ctx) {
        const { stack } = ctx.env;
        const pids = () => [...stack.instances.map((h) => h.process.pid), stack.processes.find((p) => p.name === 'worker')?.pid];
        const rssBefore = await rssMb(pids());
        let rssMax = rssBefore;
        const sampler = setInterval(() => void rssMb(pids()).then((v) => (rssMax = Math.max(rssMax, v))), 1_000);
        ctx.expectExit('redis-cache');
        ctx.expectExit('redis-queue');
        redisProc(ctx.env, 'cache').kill('SIGKILL');
        redisProc(ctx.env, 'queue').kill('SIGKILL');
        await sleep(d.longRedisS * 1000);
        redisProc(ctx.env, 'queue').start();
        redisProc(ctx.env, 'cache').start();
        await timeUntil(async () => (await redisAnswers(stack.ports.cacheRedis)) && (await redisAnswers(stack.ports.queueRedis)), 10_000);
        const liftedAt = Date.now();
        const liftedPerf = performance.now();
        const readyMs = await timeUntil(() => allReady(ctx.env), 20_000, 200);
        const workerReady = await timeUntil(async () => (await httpStatus(`${stack.urls.worker}/health/ready`)) === 200, 20_000, 200);
        clearInterval(sampler);
        const rssAfter = await rssMb(pids());
        return {
          liftedAt,
          liftedPerf,
          recoverMs: Math.max(readyMs ?? Infinity, workerReady ?? Infinity),
          figures: { 'RSS (APIs + worker) before / max during / after': `${rssBefore.toFixed(0)} / ${rssMax.toFixed(0)} / ${rssAfter.toFixed(0)} MB` },
          checks: [
            check('memory bounded (max RSS <= 1.5x before + 64 MB)', rssMax <= rssBefore * 1.5 + 64, `${rssBefore.toFixed(0)} -> max ${rssMax.toFixed(0)} MB`),
            check('APIs and worker ready <= 10 s after Redis returns', readyMs !== undefined && workerReady !== undefined && Math.max(readyMs, workerReady) <= 10_000, `APIs ${fmtMs(readyMs)}, worker ${fmtMs(workerReady)}`),
          ],
        };
      },
      judge({ samples, outcome, chat, exits }) {
        const lifted = outcome.liftedPerf!;
        const lateFails = countBy(samples, (s) => s.at >= lifted + 10_000 && isServerFailure(s));
        return [
          noExits(exits),
          check('0 errors from 10 s after Redis returns', lateFails === 0, `${lateFails}; last failure ${fmtMs(lastFailureAfter(samples, lifted))} after`),
          check('chat resumes <= 10 s after Redis returns', chat?.resumeMs !== undefined && chat.resumeMs <= 10_000, `resume ${fmtMs(chat?.resumeMs)}, lost ${chat?.lost}`),
        ];
      },
    },
    postgresScenario('restart', d),
    postgresScenario('terminate', d),
    {
      name: 'PostgreSQL slow (fault proxy: +2 s per packet, then hang)',
      expected: 'budgets hold (503/504 at the budget, never 500), event loop responsive, health endpoints answer',
      chat: false,
      dependency: 'postgres',
      beforeS: d.beforeS,
      afterS: d.afterS,
      async fault(ctx) {
        const { env } = ctx;
        const health = healthPoller(env);
        env.proxy.set({ kind: 'delay', ms: 2_000 });
        await sleep(d.faultS * 1000);
        env.proxy.set({ kind: 'hang' });
        await sleep(d.faultS * 1000);
        env.proxy.set({ kind: 'pass' });
        env.proxy.dropAll(); // the "network" heals: hung connections are reset
        const liftedAt = Date.now();
        const liftedPerf = performance.now();
        const readyMs = await timeUntil(() => allReady(env), 30_000, 200);
        const h = health.stop();
        return {
          liftedAt,
          liftedPerf,
          recoverMs: readyMs,
          figures: { 'liveness max latency': fmtMs(h.liveMaxMs), 'readiness max latency': fmtMs(h.readyMaxMs) },
          checks: [
            check('event loop responsive: /health/live 200 within 1 s, always', h.liveFailures === 0 && h.liveMaxMs < 1_000, `${h.liveFailures} failures of ${h.polls}, max ${fmtMs(h.liveMaxMs)}`),
            check('/health/ready answers (503 while slow) within 2 s', h.readyUnanswered === 0, `${h.readyUnanswered} unanswered of ${h.polls}; statuses ${JSON.stringify(h.readyStatuses)}`),
          ],
        };
      },
      judge({ phases, samples, clock, outcome, exits }) {
        const from = clock.window('during')?.[0] ?? 0;
        const over = countBy(samples, (s) => s.at >= from && overBudget(s));
        const s500 = sum([phases.before, phases.during, phases.after], (p) => p.status500);
        const lateFails = countBy(samples, (s) => s.at >= outcome.liftedPerf! + 5_000 && isServerFailure(s));
        return [
          check(`no request over its budget (${REQUEST_BUDGET_MS} ms + ${BUDGET_SLACK_MS} ms)`, over === 0, `${over} over; max during ${fmtMs(phases.during.max)}`),
          check('never a 500 (503/504 only)', s500 === 0, `${s500} x 500; during: ${JSON.stringify(phases.during.byMethodStatus)}`),
          check('0 errors 5 s after the fault ends', lateFails === 0, `${lateFails}`),
          noExits(exits),
        ];
      },
    },
    workerBatch(d),
    {
      name: 'uncaught exception in one API instance',
      expected: 'logs it, exits non-zero, the supervisor restarts it, GETs masked by the LB',
      chat: false,
      beforeS: d.beforeS,
      afterS: d.afterS,
      async fault(ctx) {
        const h = ctx.env.stack.instances[0];
        const proc = h.process;
        const pid = proc.pid;
        if (!pid) throw new Error('api-1 is not running');
        const restartsBefore = proc.restarts;
        ctx.expectExit(h.id);
        const t0 = Date.now();
        process.kill(pid, 'SIGUSR2');
        const exitedMs = await timeUntil(() => proc.pid !== pid, 20_000, 50);
        const exitCode = proc.lastExit?.code;
        const detect = await timeUntil(async () => (await ctx.env.stack.lbStatus()).some((s) => s.backend === 'api' && s.server === h.id && s.status !== 'UP'), 10_000, 100);
        const backMs = await timeUntil(async () => proc.restarts > restartsBefore && (await httpStatus(`${h.url}/health/ready`)) === 200, 60_000, 200);
        await ctx.env.stack.waitForLbState(h.index, 'UP', 30_000).catch(() => {});
        const { readFileSync } = await import('node:fs');
        const logged = readFileSync(proc.options.logFile, 'utf8').includes('resilience suite: uncaught exception injected');
        return {
          liftedAt: Date.now(),
          liftedPerf: performance.now(),
          detectMs: detect !== undefined ? (exitedMs ?? 0) + detect : undefined,
          recoverMs: Date.now() - t0,
          figures: { 'exit code': String(exitCode), 'exited after': fmtMs(exitedMs), 'restarted and ready after': fmtMs(backMs !== undefined ? (exitedMs ?? 0) + backMs : undefined) },
          checks: [
            check('logged the uncaught exception', logged, logged ? 'fatal line in the instance log' : 'not found in the log'),
            check('exited non-zero', exitCode !== 0 && exitCode !== null && exitCode !== undefined, `exit code ${exitCode}`),
            check('supervisor restarted it (ready again)', backMs !== undefined, `restarts ${proc.restarts - restartsBefore}`),
          ],
        };
      },
      judge({ phases, exits }) {
        const ps = [phases.during, phases.after];
        const get = sum(ps, (p) => Object.entries(p.byMethodStatus).filter(([k]) => /^GET (ERR|5)/.test(k)).reduce((a, [, n]) => a + n, 0));
        return [check('0 failed GETs (masked by the LB)', get === 0, `${get}`), noExits(exits)];
      },
    },
    coldStart(d),
  ];
}

/** PostgreSQL restarted (own cluster: fast shutdown, down faultS, start), or every app connection terminated. */
function postgresScenario(kind: 'restart' | 'terminate', d: Durations): ScenarioSpec {
  return {
    name: kind === 'restart' ? `PostgreSQL restarted (down ${d.faultS} s)` : 'PostgreSQL: all app connections terminated',
    expected: 'no process exits; 503 (never 500) while down; 0 errors 5 s after it is back',
    chat: kind === 'restart',
    dependency: 'postgres',
    beforeS: d.beforeS,
    afterS: d.afterS,
    async fault(ctx) {
      const { env } = ctx;
      const t0 = Date.now();
      if (kind === 'restart') {
        const notReady = timeUntil(async () => !(await allReady(env)), 15_000, 100);
        await env.pg.stop('fast');
        const detect = await notReady;
        await sleep(Math.max(0, d.faultS * 1000 - (Date.now() - t0)));
        await env.pg.start();
        const liftedAt = Date.now();
        const liftedPerf = performance.now();
        const readyMs = await timeUntil(() => allReady(env), 30_000, 100);
        return { liftedAt, liftedPerf, detectMs: detect, recoverMs: readyMs };
      }
      const client = new pg.Client({ connectionString: env.directDbUrl, application_name: 'resilience-suite' });
      await client.connect();
      let terminated = 0;
      try {
        for (let i = 0; i < 3; i++) {
          const r = await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'conduit-%' AND pid <> pg_backend_pid()");
          terminated += r.rowCount ?? 0;
          await sleep(1_000);
        }
      } finally {
        await client.end();
      }
      return { liftedAt: Date.now(), liftedPerf: performance.now(), figures: { 'backends terminated (3 rounds)': terminated }, checks: [check('app connections were terminated', terminated > 0, `${terminated}`)] };
    },
    judge({ phases, samples, outcome, exits, chat }) {
      const s500 = sum([phases.before, phases.during, phases.after], (p) => p.status500);
      const connErr = phases.during.connectionErrors + phases.after.connectionErrors;
      const lateFails = countBy(samples, (s) => s.at >= outcome.liftedPerf! + 5_000 && isServerFailure(s));
      const during503 = Object.entries(phases.during.byMethodStatus).filter(([k]) => k.endsWith(' 503')).reduce((a, [, n]) => a + n, 0);
      outcome.figures = { ...outcome.figures, '503 during': during503, 'last failure after back': fmtMs(lastFailureAfter(samples, outcome.liftedPerf!)) };
      const checks = [
        noExits(exits),
        check('never a 500 (503 while down)', s500 === 0, `${s500} x 500, ${during503} x 503 during`),
        check('no connection errors', connErr === 0, `${connErr} ${JSON.stringify({ ...phases.during.errorKinds, ...phases.after.errorKinds })}`),
        check('0 errors 5 s after it is back', lateFails === 0, `${lateFails}`),
      ];
      if (chat) checks.push(check('no chat message lost', chat.lost === 0, `lost ${chat.lost}, acked ${chat.acked}, send failures ${chat.sendFailures}`));
      return checks;
    },
  };
}

/** Polls /health/live and /health/ready of every instance directly every 250 ms. */
function healthPoller(env: Environment) {
  let stopped = false;
  const r = { polls: 0, liveFailures: 0, liveMaxMs: 0, readyUnanswered: 0, readyMaxMs: 0, readyStatuses: {} as Record<string, number> };
  const loop = async () => {
    while (!stopped) {
      await Promise.all(
        env.stack.instances.map(async (h) => {
          let t = performance.now();
          const live = await httpStatus(`${h.url}/health/live`, 2_000);
          const liveMs = performance.now() - t;
          t = performance.now();
          const ready = await httpStatus(`${h.url}/health/ready`, 2_000);
          const readyMs = performance.now() - t;
          r.polls += 1;
          if (live !== 200) r.liveFailures += 1;
          r.liveMaxMs = Math.max(r.liveMaxMs, liveMs);
          if (ready === 0) r.readyUnanswered += 1;
          r.readyMaxMs = Math.max(r.readyMaxMs, readyMs);
          r.readyStatuses[ready] = (r.readyStatuses[ready] ?? 0) + 1;
        }),
      );
      await sleep(250);
    }
  };
  const done = loop();
  return {
    stop() {
      stopped = true;
      void done;
      return r;
    },
  };
}

/** POST /api/articles with an Idempotency-Key per logical article; client retries (same key) on no answer / 5xx; every 5th is re-sent after success (a lost response). */
function idempotentPoster(ctx: FaultContext) {
  const { env } = ctx;
  const pool = new SourceAddressPool({ first: 180, last: 189, connectionsPerAddress: 4 });
  const run = `${process.pid}-${Date.now()}`;
  let stopped = false;
  const slugs = new Map<string, string>();
  let retries = 0;
  let replayMismatch = 0;
  let gaveUp = 0;
  const statuses: Record<string, number> = {};
  const loop = async () => {
    const login = await sendHttp(env.stack.urls.lb, pool.agentFor(1), { method: 'POST', path: '/api/users/login', body: { user: { email: 'loadtest-0401@load.test', password: 'loadtest-password' } }, auth: false }, undefined, 10_000);
    const token = (login.body as { user?: { token?: string } })?.user?.token;
    if (!token) throw new Error(`idempotent poster: login failed (${login.status})`);
    for (let i = 0; !stopped; i++) {
      const key = `res-${run}-${i}`;
      const title = `resilience idem ${run} ${i}`;
      const send = () => requestWithKey(env.stack.urls.lb, pool, i, token, key, title);
      // A client's retry policy: no answer or 5xx -> retry soon; 409 (the key is still claimed,
      // e.g. by the instance that was killed) -> retry after Retry-After. Same key every time.
      let res = await send();
      const deadline = Date.now() + 30_000;
      while ((res.status === 0 || res.status >= 500 || res.status === 409) && Date.now() < deadline) {
        retries += 1;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        await sleep(res.status === 409 ? 1000 * (Number(res.retryAfter) || 1) : 300);
        res = await send();
      }
      const slug = (res.body as { article?: { slug?: string } })?.article?.slug;
      if (!slug) {
        gaveUp += 1;
        ctx.log(`idempotent poster: key ${key} gave up with ${res.status} ${JSON.stringify(res.body)}`);
      }
      else {
        slugs.set(title, slug);
        if (i % 5 === 0) {
          const again = await send();
          if ((again.body as { article?: { slug?: string } })?.article?.slug !== slug) replayMismatch += 1;
        }
      }
      await sleep(100);
    }
  };
  const done = loop().catch((e: Error) => {
    gaveUp += 1;
    ctx.log(`idempotent poster: ${e.message}`);
  });
  return {
    async stop() {
      stopped = true;
      await done;
      await pool.close();
      const client = new pg.Client({ connectionString: env.directDbUrl });
      await client.connect();
      const { rows } = await client.query<{ title: string; n: string }>('SELECT title, count(*) AS n FROM articles WHERE title LIKE $1 GROUP BY title', [`resilience idem ${run} %`]);
      await client.end();
      const dup = rows.filter((r) => Number(r.n) > 1).reduce((a, r) => a + Number(r.n) - 1, 0);
      const missing = [...slugs.keys()].filter((t) => !rows.some((r) => r.title === t)).length;
      return {
        summary: `${slugs.size} created, ${retries} retries (answers retried: ${JSON.stringify(statuses)}), ${replayMismatch} replay mismatches, ${gaveUp} gave up`,
        checks: [
          check('Idempotency-Key retries: no duplicate article', dup === 0 && replayMismatch === 0, `${dup} duplicates in the DB, ${replayMismatch} retries answered with another article (${slugs.size} articles, ${retries} retries)`),
          check('Idempotency-Key retries: every article created', missing === 0 && gaveUp === 0 && slugs.size > 0, `${missing} missing, ${gaveUp} gave up`),
        ],
      };
    },
  };
}

async function requestWithKey(baseUrl: string, pool: SourceAddressPool, i: number, token: string, key: string, title: string) {
  const { request } = await import('undici');
  const started = performance.now();
  try {
    const res = await request(`${baseUrl}/api/articles`, {
      method: 'POST',
      dispatcher: pool.agentFor(i),
      headers: { 'content-type': 'application/json', authorization: `Token ${token}`, 'idempotency-key': key },
      body: JSON.stringify({ article: { title, description: 'resilience', body: 'Idempotency-Key under SIGKILL', tagList: ['resilience'] } }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body, ms: performance.now() - started, retryAfter: res.headers['retry-after'] as string | undefined };
  } catch {
    return { status: 0, body: undefined, ms: performance.now() - started, retryAfter: undefined };
  }
}
