import { metricsRegistry } from '@conduit/observability';
import { Counter, Gauge } from 'prom-client';

// Labelled by the replica's host:port, so an instance without a replica exports no series (an
// unlabelled gauge would read 0 = "down" there). Alerts: ReadReplicaDown, ReadReplicaLagging.

/** 1 while the last probe of the replica answered (DB_REPLICA_PROBE_INTERVAL_MS), else 0. */
export const dbReplicaUp = new Gauge({ name: 'db_replica_up', help: 'The read replica answered its last probe (1) or not (0)', labelNames: ['replica'] as const, registers: [metricsRegistry] });

/** Replay lag as the replica reports it (0 when it has replayed everything it received). */
export const dbReplicaLag = new Gauge({
  name: 'db_replica_lag_seconds',
  help: 'Read replica replay lag (now - last replayed commit; 0 when caught up)',
  labelNames: ['replica'] as const,
  registers: [metricsRegistry],
});

/**
 * Where stale-tolerant reads went, and why not to the replica: `down`, `lagging` (past
 * DB_REPLICA_MAX_LAG_MS), `behind_write` (the app's last write not replayed yet: read-your-writes),
 * `failed` (the replica failed the read; retried on the primary). Alert: infra/prometheus rules.
 */
export const dbReads = new Counter({
  name: 'db_routed_reads_total',
  help: 'Stale-tolerant reads by target (replica or primary) and reason',
  labelNames: ['target', 'reason'] as const,
  registers: [metricsRegistry],
});
