// The fault scenarios, in the order they run, each with its expected outcome. Durations come from
// `d` (full or CI). Each fault returns when it is lifted; checks compare the phases with the
// expectation. The overload scenario is separate (../overload.scenario.ts): main.ts decides when it runs.
import type { ScenarioSpec } from '../scenario-runner.ts';
import { apiSigkill } from './api-sigkill.scenario.ts';
import { cacheRedis } from './cache-redis.scenario.ts';
import { chatResendStorm } from './chat-resend-storm.scenario.ts';
import { coldStart } from './cold-start.scenario.ts';
import type { Durations } from './durations.ts';
import { postgresSlow } from './postgres-slow.scenario.ts';
import { pgbouncerRestart } from './pgbouncer-restart.scenario.ts';
import { postgres } from './postgres.scenario.ts';
import { redisDown } from './redis-down.scenario.ts';
import { replicaFaults } from './replica.scenario.ts';
import { rollingRestart } from './rolling-restart.scenario.ts';
import { sigkillAfterCommit } from './sigkill-after-commit.scenario.ts';
import { uncaughtException } from './uncaught-exception.scenario.ts';
import { warmStart } from './warm-start.scenario.ts';
import { workerBatch } from './worker-batch.scenario.ts';

export { CI, FULL, type Durations } from './durations.ts';

export function scenarios(d: Durations): ScenarioSpec[] {
  return [
    rollingRestart(d),
    apiSigkill(d),
    sigkillAfterCommit(d),
    cacheRedis('kill', d),
    cacheRedis('freeze', d),
    redisDown(d),
    chatResendStorm(d),
    postgres('restart', d),
    postgres('terminate', d),
    postgresSlow(d),
    workerBatch(d),
    uncaughtException(d),
    coldStart(d),
    warmStart(d),
    // The database tier (stack restarted with PgBouncer and a read replica; last, so once).
    ...(d.databaseTier ? [replicaFaults('stopped', d), replicaFaults('lagging', d), pgbouncerRestart(d)] : []),
  ];
}
