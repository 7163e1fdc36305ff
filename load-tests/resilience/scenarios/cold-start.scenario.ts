// Cold start with PostgreSQL and Redis down: a fresh API instance (port 3052) starts against a
// second fault proxy refusing PostgreSQL and Redis ports with nothing behind them. Expected: it
// does not crash (no exit, so no crash loop), /health/live is 200 and /health/ready 503 until
// the dependencies are up; ready within 5 s after they are.
import { FaultProxy, TestRedisServer } from '@conduit/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEnvFile } from '../../../libs/stack/src/index.ts';
import { REPO, STACK_ENV } from '../environment.ts';
import { check, httpStatus, timeUntil, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';

const COLD = { api: 3052, pgProxy: 5442, cacheRedis: 6432, queueRedis: 6433 };
const COLD_URL = `http://127.0.0.1:${COLD.api}`;

interface ColdApi {
  app: ChildProcess;
  log: WriteStream;
  /** Exit codes seen so far (any exit is a failure: no crash loop). */
  exits: Array<number | null>;
}

function spawnColdApi(ctx: FaultContext): ColdApi {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...readEnvFile(join(REPO, '.env.example')),
    ...STACK_ENV,
    DATABASE_URL: ctx.env.dbUrl.replace(/:\d+\//, `:${COLD.pgProxy}/`),
    REDIS_URL: `redis://127.0.0.1:${COLD.cacheRedis}`,
    QUEUE_REDIS_URL: `redis://127.0.0.1:${COLD.queueRedis}`,
    PORT: String(COLD.api),
    HOST: '127.0.0.1',
    INSTANCE_ID: 'api-cold',
    DB_POOL_MAX: '3',
  };
  const log = createWriteStream(join(ctx.env.stack.runDir, 'logs', 'api-cold.log'), { flags: 'a' });
  const exits: Array<number | null> = [];
  const app = spawn(process.execPath, ['--enable-source-maps', join(REPO, 'apps/api/dist/main.js')], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  app.stdout?.pipe(log);
  app.stderr?.pipe(log);
  app.on('exit', (code) => exits.push(code));
  return { app, log, exits };
}

/** Polls live and ready every 250 ms for `downS` after the instance first listened (or until it exits). */
async function pollWhileDown(api: ColdApi, downS: number) {
  const t0 = Date.now();
  const listening = await timeUntil(async () => (await httpStatus(`${COLD_URL}/health/live`)) === 200, 60_000, 200);
  const polls = { n: 0, liveNot200: 0, readyNot503: 0 };
  while (Date.now() - t0 < (listening ?? 0) + downS * 1000 && api.exits.length === 0) {
    const [live, ready] = await Promise.all([httpStatus(`${COLD_URL}/health/live`, 2_000), httpStatus(`${COLD_URL}/health/ready`, 3_000)]);
    polls.n += 1;
    if (live !== 200) polls.liveNot200 += 1;
    if (ready !== 503) polls.readyNot503 += 1;
    await sleep(250);
  }
  return { listening, polls };
}

async function stopColdApi({ app, log }: ColdApi): Promise<void> {
  app.kill('SIGTERM');
  await Promise.race([new Promise((r) => app.once('exit', r)), sleep(15_000)]);
  if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
  log.end();
}

async function coldStartFault(ctx: FaultContext, d: Durations): Promise<FaultOutcome> {
  const proxy = new FaultProxy({ listenPort: COLD.pgProxy, targets: [ctx.env.stack ? Number(new URL(ctx.env.directDbUrl).port) : 5440] });
  await proxy.start();
  proxy.set({ kind: 'refuse' });
  const api = spawnColdApi(ctx);
  const redis = [new TestRedisServer(['--maxmemory-policy', 'allkeys-lru'], COLD.cacheRedis), new TestRedisServer(['--maxmemory-policy', 'noeviction'], COLD.queueRedis)];
  try {
    const { listening, polls } = await pollWhileDown(api, d.coldDownS);
    // Dependencies come up.
    await Promise.all(redis.map((r) => r.start()));
    proxy.set({ kind: 'pass' });
    const liftedAt = Date.now();
    const readyMs = await timeUntil(async () => (await httpStatus(`${COLD_URL}/health/ready`)) === 200, 30_000, 100);
    const { exits } = api;
    return {
      liftedAt,
      liftedPerf: performance.now(),
      recoverMs: readyMs,
      figures: { 'first /health/live 200 after spawn': listening === undefined ? 'never' : `${listening} ms`, polls: polls.n },
      checks: [
        check('no exit while dependencies are down (no crash loop)', exits.length === 0 && listening !== undefined, exits.length ? `exited with ${exits.join(', ')}` : `up, ${polls.n} polls`),
        check('liveness 200 while down', listening !== undefined && polls.liveNot200 === 0, `${polls.liveNot200} of ${polls.n} not 200`),
        check('readiness 503 while down', polls.n > 0 && polls.readyNot503 === 0, `${polls.readyNot503} of ${polls.n} not 503`),
        check('ready <= 5 s after dependencies are up', readyMs !== undefined && readyMs <= 5_000, readyMs === undefined ? 'not ready within 30 s' : `${readyMs} ms`),
      ],
    };
  } finally {
    await stopColdApi(api);
    await Promise.all(redis.map((r) => r.kill()));
    await proxy.stop();
  }
}

export function coldStart(d: Durations): ScenarioSpec {
  return {
    name: 'cold start with PostgreSQL and Redis down',
    expected: 'no crash loop; live 200 and ready 503 while down; ready <= 5 s after they are up',
    chat: false,
    beforeS: 1,
    afterS: 1,
    fault: (ctx) => coldStartFault(ctx, d),
    judge({ exits }) {
      return [check('0 exits of the running stack', exits.length === 0, exits.map((e) => e.name).join(', ') || '0')];
    },
  };
}
