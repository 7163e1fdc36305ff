// What a frozen cache Redis costs one user making one request at a time (the case a loaded run
// hides): the same sequence of reads through the load balancer with Redis healthy, then frozen
// (SIGSTOP) once both instances have noticed. Every read touches the cache Redis when it is
// healthy (rate limiter, list/article/tag caches); frozen, the breaker must keep it out of the way.
import { setTimeout as sleep } from 'node:timers/promises';
import { redisAnswers } from '@conduit/testing';
import { SourceAddressPool } from '../../driver/http-client.ts';
import type { Environment } from '../environment.ts';
import { percentile } from '../phase-stats.ts';
import { check, sendHttp, timeUntil, type Check } from '../scenario-runner.ts';
import { fmtMs, redisProc } from './judging.ts';

/** Target from the breaker's design: after the first detection, at most this much added p99. */
export const ADDED_P99_TARGET_MS = 5;

interface Run {
  ms: number[];
  paths: string[];
  failures: number;
}

async function readPaths(env: Environment, pool: SourceAddressPool): Promise<string[]> {
  const list = await sendHttp(env.stack.urls.lb, pool.agentFor(1), { method: 'GET', path: '/api/articles?limit=5', auth: false }, undefined, 10_000);
  const slugs = ((list.body as { articles?: Array<{ slug: string }> })?.articles ?? []).map((a) => a.slug);
  const tags = await sendHttp(env.stack.urls.lb, pool.agentFor(1), { method: 'GET', path: '/api/tags', auth: false }, undefined, 10_000);
  const tag = (tags.body as { tags?: string[] })?.tags?.[0];
  return [
    '/api/articles?limit=10',
    '/api/articles?limit=10&offset=10',
    '/api/tags',
    ...(tag ? [`/api/articles?limit=10&tag=${encodeURIComponent(tag)}`] : []),
    ...slugs.slice(0, 3).map((s) => `/api/articles/${s}`),
    ...slugs.slice(0, 2).map((s) => `/api/articles/${s}/comments`),
  ];
}

async function sequential(env: Environment, pool: SourceAddressPool, paths: string[], n: number): Promise<Run> {
  const run: Run = { ms: [], paths: [], failures: 0 };
  for (let i = 0; i < n; i++) {
    const res = await sendHttp(env.stack.urls.lb, pool.agentFor(1), { method: 'GET', path: paths[i % paths.length], auth: false }, undefined, 10_000);
    run.ms.push(res.ms);
    run.paths.push(`#${i} ${paths[i % paths.length]}`);
    if (res.status === 0 || res.status >= 500) run.failures += 1;
  }
  return run;
}

/** Per API instance, how often its cache Redis breakers have opened (redis_breaker_events_total{event="opened"}). */
async function breakerOpenings(env: Environment): Promise<number[]> {
  return Promise.all(
    env.stack.instances.map(async (h) => {
      const res = await fetch(`${h.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
      const lines = (await res.text()).split('\n').filter((l) => l.startsWith('redis_breaker_events_total{') && l.includes('event="opened"'));
      return lines.reduce((a, l) => a + Number(l.trim().split(/\s+/).pop()), 0);
    }),
  );
}

/** Whether every API instance reports the cache Redis as `up` (conduit_dependency_up). */
async function cacheRedisUp(env: Environment, up: boolean): Promise<boolean> {
  const values = await Promise.all(
    env.stack.instances.map(async (h) => {
      const res = await fetch(`${h.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
      return /^conduit_dependency_up\{dependency="redis_cache"\} (\d)/m.exec(await res.text())?.[1];
    }),
  );
  return values.every((v) => v === (up ? '1' : '0'));
}

const joinRuns = (a: Run, b: Run): Run => ({ ms: [...a.ms, ...b.ms], paths: [...a.paths, ...b.paths], failures: a.failures + b.failures });

const slowest = (r: Run, k: number) =>
  r.ms
    .map((ms, i) => ({ ms, what: r.paths[i] }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, k)
    .map((x) => `${x.what} ${x.ms.toFixed(0)} ms`)
    .join(', ');

const p = (run: Run, q: number) =>
  percentile(
    [...run.ms].sort((a, b) => a - b),
    q,
  ) ?? NaN;

/** Healthy baseline, then frozen after detection, same sequence of reads, one at a time. */
export async function sequentialFrozenLatency(env: Environment, requests: number, log: (l: string) => void): Promise<{ figures: Record<string, string>; checks: Check[] }> {
  const pool = new SourceAddressPool({ first: 198, last: 198, connectionsPerAddress: 1 });
  const redis = redisProc(env, 'cache');
  try {
    const paths = await readPaths(env, pool);
    await sequential(env, pool, paths, paths.length * 4); // warm: connections, caches, query plans
    const healthy = await sequential(env, pool, paths, requests);
    const opened = await breakerOpenings(env);
    redis.crash('SIGSTOP');
    // "After the first detection": the breaker of every instance has opened (requests paid the
    // command timeouts that detect it; the measurement starts after them).
    const detectMs = await timeUntil(
      async () => {
        await sequential(env, pool, paths, 2);
        return (await breakerOpenings(env)).every((n, i) => n > opened[i]);
      },
      15_000,
      0,
    );
    const frozenFirst = await sequential(env, pool, paths, Math.ceil(requests / 2));
    const frozenSecond = await sequential(env, pool, paths, Math.floor(requests / 2));
    const frozen = joinRuns(frozenFirst, frozenSecond);
    redis.crash('SIGCONT');
    await timeUntil(() => redisAnswers(env.stack.ports.cacheRedis), 10_000);
    await timeUntil(() => cacheRedisUp(env, true), 15_000, 200);
    await sleep(500);
    const healthyAgain = await sequential(env, pool, paths, requests);
    // Two estimates on each side (healthy before and after; the frozen run's two halves), each
    // judged by its lower one: a stall of the box inflates one estimate, while a cost the frozen
    // Redis adds to every request shows in both halves (the rule of bench:growth).
    const healthyP99 = Math.min(p(healthy, 99), p(healthyAgain, 99));
    const frozenP99 = Math.min(p(frozenFirst, 99), p(frozenSecond, 99));
    const added = frozenP99 - healthyP99;
    log(`sequential reads: healthy p99 ${p(healthy, 99).toFixed(1)} / ${p(healthyAgain, 99).toFixed(1)} ms, frozen p99 ${p(frozenFirst, 99).toFixed(1)} / ${p(frozenSecond, 99).toFixed(1)} ms`);
    const one = (r: Run) => `p50 ${p(r, 50).toFixed(1)} / p99 ${p(r, 99).toFixed(1)} / max ${Math.max(...r.ms).toFixed(1)} ms`;
    return {
      figures: {
        [`sequential reads (${requests} each), healthy before / after`]: `${one(healthy)}; ${one(healthyAgain)}`,
        'sequential reads, frozen after detection': one(frozen),
        'sequential added p99': `${added.toFixed(1)} ms (breakers open after ${fmtMs(detectMs)})`,
        'slowest frozen reads': slowest(frozen, 3),
      },
      checks: [
        check('the breaker of every instance opens', detectMs !== undefined, `after ${fmtMs(detectMs)}`),
        check(
          `sequential reads: added p99 <= ${ADDED_P99_TARGET_MS} ms over the healthy baseline`,
          added <= ADDED_P99_TARGET_MS,
          `${added.toFixed(1)} ms (healthy p99 ${p(healthy, 99).toFixed(1)} / ${p(healthyAgain, 99).toFixed(1)}, frozen halves p99 ${p(frozenFirst, 99).toFixed(1)} / ${p(frozenSecond, 99).toFixed(1)}; the lower of each pair)`,
        ),
        check('sequential reads: 0 failures', healthy.failures + healthyAgain.failures + frozen.failures === 0, `${healthy.failures + healthyAgain.failures} healthy, ${frozen.failures} frozen`),
      ],
    };
  } finally {
    redis.crash('SIGCONT');
    await pool.close();
  }
}
