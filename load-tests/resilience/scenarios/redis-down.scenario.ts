// Redis down longer than ioredis's retry budget (cache and queue roles): no process exits, memory
// bounded, full recovery <= 10 s after Redis returns.
import { redisAnswers } from '@conduit/testing';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { allReady, check, countBy, httpStatus, isServerFailure, lastFailureAfter, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { chatDelivered, fmtMs, noExits, redisProc } from './judging.ts';

async function rssMb(pids: Array<number | undefined>): Promise<number> {
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

/** Samples the RSS of the APIs and the worker every second until stop(). */
async function rssSampler(ctx: FaultContext) {
  const { stack } = ctx.env;
  const pids = () => [...stack.instances.map((h) => h.process.pid), stack.processes.find((p) => p.name === 'worker')?.pid];
  const before = await rssMb(pids());
  let max = before;
  const timer = setInterval(() => void rssMb(pids()).then((v) => (max = Math.max(max, v))), 1_000);
  return {
    async stop() {
      clearInterval(timer);
      return { before, max, after: await rssMb(pids()) };
    },
  };
}

async function redisDownFault(ctx: FaultContext, d: Durations): Promise<FaultOutcome> {
  const { stack } = ctx.env;
  const rss = await rssSampler(ctx);
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
  const { before, max, after } = await rss.stop();
  return {
    liftedAt,
    liftedPerf,
    recoverMs: Math.max(readyMs ?? Infinity, workerReady ?? Infinity),
    figures: { 'RSS (APIs + worker) before / max during / after': `${before.toFixed(0)} / ${max.toFixed(0)} / ${after.toFixed(0)} MB` },
    checks: [
      check('memory bounded (max RSS <= 1.5x before + 64 MB)', max <= before * 1.5 + 64, `${before.toFixed(0)} -> max ${max.toFixed(0)} MB`),
      check(
        'APIs and worker ready <= 10 s after Redis returns',
        readyMs !== undefined && workerReady !== undefined && Math.max(readyMs, workerReady) <= 10_000,
        `APIs ${fmtMs(readyMs)}, worker ${fmtMs(workerReady)}`,
      ),
    ],
  };
}

export function redisDown(d: Durations): ScenarioSpec {
  return {
    name: `Redis down ${d.longRedisS} s (cache and queue roles)`,
    expected: 'no process exits, memory bounded, full recovery <= 10 s after Redis returns; every acked chat message reaches every member (live or from history): 0 lost, 0 duplicates shown',
    chat: true,
    dependency: 'redis_cache',
    beforeS: d.beforeS,
    afterS: Math.max(d.afterS, 12),
    fault: (ctx) => redisDownFault(ctx, d),
    judge({ samples, outcome, chat, exits }) {
      const lifted = outcome.liftedPerf!;
      const lateFails = countBy(samples, (s) => s.at >= lifted + 10_000 && isServerFailure(s));
      return [
        noExits(exits),
        check('0 errors from 10 s after Redis returns', lateFails === 0, `${lateFails}; last failure ${fmtMs(lastFailureAfter(samples, lifted))} after`),
        check('chat resumes <= 10 s after Redis returns', chat?.resumeMs !== undefined && chat.resumeMs <= 10_000, `resume ${fmtMs(chat?.resumeMs)}`),
        ...chatDelivered(chat),
      ];
    },
  };
}
