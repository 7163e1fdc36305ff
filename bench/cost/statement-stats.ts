// PostgreSQL statement statistics (pg_stat_statements) and Redis command counts for one
// measured window: reset at its start, read at its end. pg_stat_statements needs
// shared_preload_libraries, so bench:cost runs its own cluster (the machine's shared one is
// left alone).
import pg from 'pg';
import { Redis } from 'ioredis';
import { commandsProcessedIn } from '../../load-tests/driver/work-counters.ts';

export interface StatementCost {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** Planning (track_planning): how many executions were planned, and the time it took. */
  plans: number;
  planMs: number;
}

export class StatementStats {
  private readonly client: pg.Client;

  constructor(databaseUrl: string) {
    this.client = new pg.Client({ connectionString: databaseUrl, statement_timeout: 10_000 });
  }

  async open(): Promise<void> {
    await this.client.connect();
    await this.client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  }

  async reset(): Promise<void> {
    await this.client.query('SELECT pg_stat_statements_reset()');
  }

  /** Statements of the application's database since the last reset, most total time first. */
  async read(): Promise<{ statements: StatementCost[]; totalMs: number; calls: number; planMs: number; plans: number }> {
    const res = await this.client.query<{ query: string; calls: string; total: number; rows: string; plans: string; plan_ms: number }>(
      `SELECT s.query, s.calls, s.total_exec_time AS total, s.rows, s.plans, s.total_plan_time AS plan_ms
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND s.query NOT ILIKE '%pg_stat_statements%'
        ORDER BY s.total_exec_time DESC`,
    );
    const statements = res.rows.map((r) => ({
      query: r.query.replace(/\s+/g, ' ').trim(),
      calls: Number(r.calls),
      totalMs: r.total,
      meanMs: r.total / Math.max(1, Number(r.calls)),
      rows: Number(r.rows),
      plans: Number(r.plans),
      planMs: r.plan_ms,
    }));
    const sum = (f: (s: StatementCost) => number) => statements.reduce((a, s) => a + f(s), 0);
    return { statements, totalMs: sum((s) => s.totalMs), calls: sum((s) => s.calls), planMs: sum((s) => s.planMs), plans: sum((s) => s.plans) };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/** Commands processed by a Redis server (INFO stats), for round trips per request. */
export class RedisCommandCount {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  }

  async commands(): Promise<number> {
    const total = commandsProcessedIn(await this.redis.info('stats'));
    // Minus this INFO call itself.
    return total === undefined ? 0 : total - 1;
  }

  async byCommand(): Promise<Map<string, number>> {
    const info = await this.redis.info('commandstats');
    const out = new Map<string, number>();
    for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) out.set(m[1], Number(m[2]));
    return out;
  }

  close(): void {
    this.redis.disconnect();
  }
}
