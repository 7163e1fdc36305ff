/**
 * Chat delivery benchmark: `npm run bench:chat`.
 *
 * 1000 Socket.IO clients (WebSocket) in 10 rooms of 100; 200 messages/s are sent by random
 * members (open model: the send schedule does not wait for acks). For every message we measure
 * the latency from send to receipt by EACH other member of its room, and the delivered
 * messages per second. Two runs in the same process, same data: a single-instance baseline
 * (every client on instance 1) and the scaled setup (clients alternate between 2 instances, so
 * most deliveries cross the Redis Streams adapter). Target: p95 < 100 ms on the 2-core box.
 *
 * Everything runs on loopback with a private redis-server (on a port the OS gives it) and a throwaway database;
 * the API processes are the real server (apps/api/src/main.ts). Results: bench/results/chat.{json,md}.
 * Knobs (env): BENCH_CLIENTS, BENCH_ROOMS, BENCH_RATE, BENCH_SECONDS (per round), BENCH_ROUNDS.
 */
import { TestRedisServer } from '@conduit/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startApiProcess, stopAll, type ApiProcess } from '../../apps/api/test/chat/support/api-process.js';
import { runPhase, type PhaseRun } from './chat-phase.js';
import { markdown, pool } from './chat-report.js';
import { CLIENTS, RATE, ROOMS, ROUNDS, SECONDS, round } from './chat-settings.js';
import { SECRET, seed, setupDatabase, signTokens } from './chat-setup.js';

const PORTS = [4146, 4147];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<void> {
  const redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
  let db: Awaited<ReturnType<typeof setupDatabase>> | undefined;
  let apis: ApiProcess[] = [];
  try {
    await redis.start();
    db = await setupDatabase();
    const { users } = await seed(db.url);
    const tokens = await signTokens(users);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'bench:',
      JWT_SECRET: SECRET,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
      LOAD_SHED_MAX_IN_FLIGHT: '100000',
    };
    apis = await Promise.all(PORTS.map((port, i) => startApiProcess(`bench-api-${i + 1}`, port, env)));
    // Rounds alternate baseline and scaled runs so that load from other work on the shared box
    // hits both configurations alike; each configuration's figures pool its rounds.
    const runs: { base: PhaseRun[]; scaled: PhaseRun[] } = { base: [], scaled: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      runs.base.push(await runPhase(`single instance (baseline), round ${round}`, [apis[0]], users, tokens));
      runs.scaled.push(await runPhase(`two instances, round ${round}`, apis, users, tokens));
    }
    const results = [pool('single instance (baseline)', runs.base), pool('two instances', runs.scaled)];
    const meta = {
      date: new Date().toISOString(),
      loadAverage1m: round(os.loadavg()[0]),
      cpus: os.cpus().length,
      node: process.version,
      clients: CLIENTS,
      rooms: ROOMS,
      rate: RATE,
      secondsPerRound: SECONDS,
      rounds: ROUNDS,
    };
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(
      `${ROOT}bench/results/chat.json`,
      `${JSON.stringify({ meta, results, rounds: { baseline: runs.base.map((r) => r.result), twoInstances: runs.scaled.map((r) => r.result) } }, null, 2)}\n`,
    );
    const md = markdown(results, meta, runs);
    writeFileSync(`${ROOT}bench/results/chat.md`, md);
    console.log(`\n${md}`);
  } finally {
    await stopAll(apis);
    await redis.kill();
    await db?.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
