// Cold start with PostgreSQL and Redis down: a fresh API instance (port 3052) starts against a
// second fault proxy refusing PostgreSQL and Redis ports with nothing behind them. Expected: it
// does not crash (no exit, so no crash loop), /health/live is 200 and /health/ready 503 until
// the dependencies are up; ready within 5 s after they are.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEnvFile } from '../../scripts/stack/env-file.ts';
import { REPO, STACK_ENV } from './environment.ts';
import { FaultProxy } from './fault-proxy.ts';
import { check, httpStatus, timeUntil, type ScenarioSpec } from './scenario-runner.ts';
import type { Durations } from './scenarios.ts';

const COLD = { api: 3052, pgProxy: 5442, cacheRedis: 6432, queueRedis: 6433 };

export function coldStart(d: Durations): ScenarioSpec {
  return {
    name: 'cold start with PostgreSQL and Redis down',
    expected: 'no crash loop; live 200 and ready 503 while down; ready <= 5 s after they are up',
    chat: false,
    beforeS: 1,
    afterS: 1,
    async fault(ctx) {
      const proxy = new FaultProxy(COLD.pgProxy, ctx.env.stack ? Number(new URL(ctx.env.directDbUrl).port) : 5440);
      await proxy.start();
      proxy.set({ kind: 'refuse' });
      const url = `http://127.0.0.1:${COLD.api}`;
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
      const app: ChildProcess = spawn(process.execPath, ['--enable-source-maps', join(REPO, 'apps/api/dist/main.js')], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      app.stdout?.pipe(log);
      app.stderr?.pipe(log);
      app.on('exit', (code) => exits.push(code));
      const redis: ChildProcess[] = [];
      try {
        const t0 = Date.now();
        const listening = await timeUntil(async () => (await httpStatus(`${url}/health/live`)) === 200, 60_000, 200);
        const polls = { n: 0, liveNot200: 0, readyNot503: 0 };
        while (Date.now() - t0 < (listening ?? 0) + d.coldDownS * 1000 && exits.length === 0) {
          const [live, ready] = await Promise.all([httpStatus(`${url}/health/live`, 2_000), httpStatus(`${url}/health/ready`, 3_000)]);
          polls.n += 1;
          if (live !== 200) polls.liveNot200 += 1;
          if (ready !== 503) polls.readyNot503 += 1;
          await sleep(250);
        }
        // Dependencies come up.
        for (const [port, policy] of [[COLD.cacheRedis, 'allkeys-lru'], [COLD.queueRedis, 'noeviction']] as const) {
          redis.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', policy], { stdio: 'ignore' }));
        }
        proxy.set({ kind: 'pass' });
        const liftedAt = Date.now();
        const readyMs = await timeUntil(async () => (await httpStatus(`${url}/health/ready`)) === 200, 30_000, 100);
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
        app.kill('SIGTERM');
        await Promise.race([new Promise((r) => app.once('exit', r)), sleep(15_000)]);
        if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
        for (const r of redis) r.kill('SIGKILL');
        await proxy.stop();
        log.end();
      }
    },
    judge({ exits }) {
      return [check('0 exits of the running stack', exits.length === 0, exits.map((e) => e.name).join(', ') || '0')];
    },
  };
}
