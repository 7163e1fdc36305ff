import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { metricsRegistry } from '@conduit/observability';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { Gauge, Histogram } from 'prom-client';
import { PG_POOL } from '../database/database.module.js';

// Leading parentheses too: a UNION of parenthesized SELECTs (the viewer's relations) is a select, not "other".
const OPERATION = /^[\s(]*(select|insert|update|delete|with|begin|commit|rollback|deallocate|set)\b/i;

/** Database query durations by SQL verb (bounded label set, never the SQL text). */
export const dbQueryDuration = new Histogram({
  name: 'db_query_duration_seconds',
  help: 'PostgreSQL query duration (client side, includes the wait on the connection) by SQL verb and outcome',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});

/**
 * Pool usage (pattern: bounded pool with fail-fast acquire): `waiting` above 0 for long means
 * the pool (DB_POOL_MAX) is the bottleneck; see the "database" row of the Grafana dashboard
 * (infra/grafana/dashboards/conduit.json) and the connection budget in compose.yaml.
 */
let observedPool: pg.Pool | undefined;
export const dbPoolConnections = new Gauge({
  name: 'db_pool_connections',
  help: 'PostgreSQL pool connections by state (total, idle, waiting = requests queued for a connection)',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
  collect() {
    if (!observedPool) return;
    this.set({ state: 'total' }, observedPool.totalCount);
    this.set({ state: 'idle' }, observedPool.idleCount);
    this.set({ state: 'waiting' }, observedPool.waitingCount);
  },
});
export const dbPoolMax = new Gauge({ name: 'db_pool_max_connections', help: 'Configured pool size (DB_POOL_MAX)', registers: [metricsRegistry] });

function operationOf(args: unknown[]): string {
  const first = args[0];
  const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') return 'other';
  return OPERATION.exec(text)?.[1]?.toLowerCase() ?? 'other';
}

/** One label object per verb and outcome, reused: a query allocates no labels and merges none. */
const labelSets = new Map<string, { operation: string; outcome: 'ok' | 'error' }>();
function observeQuery(operation: string, failed: boolean, startedMs: number): void {
  const key = failed ? `${operation} error` : operation;
  let labels = labelSets.get(key);
  if (!labels) labelSets.set(key, (labels = { operation, outcome: failed ? 'error' : 'ok' }));
  dbQueryDuration.observe(labels, (performance.now() - startedMs) / 1000);
}

/**
 * Times every query on every pooled connection (Prisma goes through the same pg.Pool via
 * @prisma/adapter-pg, so its queries are covered too). Promise and callback calls are timed;
 * submittables (cursors, COPY streams) are not.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  onModuleInit(): void {
    const pool = this.pool;
    dbPoolMax.set(pool.options.max ?? 10);
    observedPool = pool;
    pool.on('connect', (client) => {
      const original = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const operation = operationOf(args);
        const started = performance.now();
        // pool.query() calls client.query(text, values, callback): time the callback form too.
        const last = args.length - 1;
        if (typeof args[last] === 'function') {
          const callback = args[last] as (err: unknown, result: unknown) => void;
          args[last] = (err: unknown, result: unknown) => {
            observeQuery(operation, Boolean(err), started);
            callback(err, result);
          };
          return original(...args);
        }
        const result = original(...args);
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          (result as Promise<unknown>).then(
            () => observeQuery(operation, false, started),
            () => observeQuery(operation, true, started),
          );
        }
        return result;
      };
    });
  }
}
