// Redis (cache role) killed or frozen for faultS: cached reads from PostgreSQL, <= 0.1% 5xx (frozen:
// 0), budgets, chat back within 5 s, login limits per instance. Frozen also measures one user's
// sequential reads against a healthy baseline of the same run (sequential-latency.ts).
import { redisAnswers } from '@conduit/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceAddressPool } from '../../driver/http-client.ts';
import { REQUEST_BUDGET_MS, type Environment } from '../environment.ts';
import { check, countBy, lastFailureAfter, sendHttp, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { BUDGET_SLACK_MS, fmtMs, noExits, overBudget, redisProc, sum } from './judging.ts';
import { ADDED_P99_TARGET_MS, sequentialFrozenLatency } from './sequential-latency.ts';

/** 30 wrong-password logins for one account from one address while Redis is away: the login limits fall back to per-instance memory (documented), so 429s still come; never a 5xx. */
async function bruteForceProbe(env: Environment): Promise<{ statuses: Record<string, number> }> {
  const pool = new SourceAddressPool({ first: 199, last: 199, connectionsPerAddress: 1 });
  const statuses: Record<string, number> = {};
  try {
    for (let i = 0; i < 30; i++) {
      const res = await sendHttp(
        env.stack.urls.lb,
        pool.agentFor(1),
        { method: 'POST', path: '/api/users/login', body: { user: { email: 'loadtest-0777@load.test', password: 'wrong-password-xyz' } }, auth: false },
        undefined,
        5_000,
      );
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  } finally {
    await pool.close();
  }
  return { statuses };
}

async function cacheRedisFault(ctx: FaultContext, kind: 'kill' | 'freeze', d: Durations): Promise<FaultOutcome> {
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
  const five = Object.entries(p)
    .filter(([s]) => Number(s) >= 500 || s === '0')
    .reduce((a, [, n]) => a + n, 0);
  return {
    liftedAt,
    liftedPerf,
    figures: { 'brute-force probe statuses': JSON.stringify(p) },
    checks: [check('login limits hold without Redis (per-instance memory)', (p['429'] ?? 0) > 0 && five === 0, `30 wrong logins, one address: ${JSON.stringify(p)}`)],
  };
}

export function cacheRedis(kind: 'kill' | 'freeze', d: Durations): ScenarioSpec {
  return {
    name: kind === 'kill' ? `cache Redis killed ${d.faultS} s` : `cache Redis frozen (SIGSTOP) ${d.faultS} s`,
    expected:
      kind === 'freeze'
        ? `one request at a time: added p99 <= ${ADDED_P99_TARGET_MS} ms over the healthy baseline after detection; loaded: 0 5xx, no request over budget, 0 exits, chat resumes <= 5 s after, login limits hold (429, no 5xx)`
        : '<= 0.1% 5xx, no request over budget, 0 exits, chat resumes <= 5 s after, login limits hold (429, no 5xx)',
    chat: true,
    dependency: 'redis_cache',
    beforeS: d.beforeS,
    afterS: d.afterS,
    // Frozen: first one user reading one request at a time (healthy vs frozen), then the loaded run.
    quiet: kind === 'freeze' ? (ctx) => sequentialFrozenLatency(ctx.env, d.sequentialReads, ctx.log) : undefined,
    fault: (ctx) => cacheRedisFault(ctx, kind, d),
    judge({ phases, samples, clock, chat, outcome, exits }) {
      const ps = [phases.during, phases.after];
      const total = sum(ps, (p) => p.requests);
      const bad = sum(ps, (p) => p.status5xx + p.connectionErrors);
      const from = clock.window('during')?.[0] ?? 0;
      const over = countBy(samples, (s) => s.at >= from && overBudget(s));
      const lastFail = outcome.liftedPerf !== undefined ? lastFailureAfter(samples, outcome.liftedPerf) : undefined;
      outcome.figures = { ...outcome.figures, 'last failed request after Redis returned': fmtMs(lastFail) };
      if (kind === 'freeze') outcome.figures['loaded added p99 (during - before)'] = fmtMs((phases.during.p99 ?? NaN) - (phases.before.p99 ?? NaN));
      return [
        kind === 'freeze'
          ? check('loaded: 0 5xx/errors during+after', total > 0 && bad === 0, `${bad}/${total}`)
          : check('<= 0.1% 5xx/errors during+after', total > 0 && bad / total <= 0.001, `${bad}/${total} (${((100 * bad) / Math.max(1, total)).toFixed(2)}%)`),
        check(`no request over its budget (${REQUEST_BUDGET_MS} ms + ${BUDGET_SLACK_MS} ms)`, over === 0, `${over} over; max ${fmtMs(Math.max(...ps.map((p) => p.max ?? 0)))}`),
        noExits(exits),
        check('chat resumes <= 5 s after Redis returns', chat?.resumeMs !== undefined && chat.resumeMs <= 5_000, `resume ${fmtMs(chat?.resumeMs)}`),
        check('no chat message lost', (chat?.lost ?? 1) === 0, `lost ${chat?.lost}, acked ${chat?.acked}`),
      ];
    },
  };
}
