// Public surface of the no-Docker stack, for `npm start`, load tests and resilience tests:
//   const stack = await startStack({ instances: 2, ports: 'auto' });
//   ... traffic to stack.urls.lb ...; await stack.killInstance(1); await stack.restartInstance(2);
//   await stack.stop();
export { startStack } from './stack.js';
export type { Stack, StackOptions, StackUrls, InstanceHandle } from './types.js';
export { describeBudget, poolerBudget, type ConnectionBudget, type PoolerBudget } from './connection-budget.js';
export { PgBouncer, type SpawnPgBouncer } from './pgbouncer/pgbouncer.js';
export { renderPgBouncerIni, pooledUrl, type PgBouncerSettings } from './pgbouncer/pgbouncer-config.js';
export { ManagedProcess } from './managed-process.js';
export { PostgresReplica, type ReplicaSettings, type SpawnReplica } from './replica/postgres-replica.js';
export { waitFor } from './wait-for.js';
export { fixedPorts, randomPorts, isListening, type StackPorts } from './ports.js';
export { fetchLbStatus, type LbServerStatus } from './haproxy-stats.js';
export { readEnvFile } from './env-file.js';
export type { Autoscaler } from './autoscale/autoscaler.js';
export type { PoolMember, ScaleEvent, StackAutoscaler } from './autoscale/scale-event.js';
export { loadAutoscalePolicy, compressTime, type AutoscalePolicy } from './autoscale/policy.js';
export type { AutoscaleOptions } from './types.js';
