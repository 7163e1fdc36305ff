import pg from 'pg';
import type { Redis } from 'ioredis';

/** What the last probes of one dependency found. */
export interface ProbeState {
  up: boolean;
  /** Consecutive failed probes (0 while up). */
  failures: number;
  /** Round trip of the last successful probe, ms. */
  latencyMs?: number;
  lastError?: string;
  /** When the state was last refreshed (epoch ms). */
  checkedAt?: number;
}

/** Failed probes in a row before a dependency that was up counts as down (hysteresis). */
export const FAILURES_BEFORE_DOWN = 2;

async function bounded<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Background dependency probe (pattern: health state computed off the request path).
 * Readiness must not depend on how busy the instance is, so it never queues behind requests:
 * PostgreSQL is probed on a DEDICATED connection (not the app's pool, which may be saturated
 * under load), every probe has its own timeout, and the endpoints only read the last state.
 * A dependency that was up turns down after FAILURES_BEFORE_DOWN failed probes in a row (one
 * slow probe on a busy box is not an outage); it starts down until its first probe succeeds.
 * Tested in apps/api/test/health/health.e2e.spec.ts and dependency-probe.spec.ts.
 */
export class DependencyProbe {
  readonly database: ProbeState = { up: false, failures: 0, lastError: 'not probed yet' };
  readonly redis: ProbeState = { up: false, failures: 0, lastError: 'not probed yet' };
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  /** transactionPooler: DATABASE_URL is PgBouncer, which refuses statement_timeout at login (query_timeout still bounds the probe). */
  constructor(private readonly options: { databaseUrl: string; redis: Redis; timeoutMs: number; intervalMs: number; applicationName: string; transactionPooler?: boolean }) {}

  start(): Promise<void> {
    this.stopped = false;
    this.timer = setInterval(() => void this.probeOnce(), this.options.intervalMs);
    this.timer.unref();
    return this.probeOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.dropClient();
  }

  /** One round (skipped while the previous one still runs: probes never pile up). */
  async probeOnce(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      await Promise.all([this.probe(this.database, () => this.selectOne()), this.probe(this.redis, () => this.options.redis.ping())]);
    } finally {
      this.running = false;
    }
  }

  private async probe(state: ProbeState, check: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    try {
      await bounded(check(), this.options.timeoutMs);
      Object.assign(state, { up: true, failures: 0, latencyMs: Math.round((performance.now() - started) * 10) / 10, lastError: undefined });
    } catch (error) {
      state.failures++;
      state.lastError = (error as Error).message;
      if (state.failures >= FAILURES_BEFORE_DOWN || state.latencyMs === undefined) state.up = false;
      if (state === this.database) await this.dropClient();
    }
    state.checkedAt = Date.now();
  }

  private async selectOne(): Promise<void> {
    if (!this.client) {
      const client = new pg.Client({
        connectionString: this.options.databaseUrl,
        connectionTimeoutMillis: this.options.timeoutMs,
        query_timeout: this.options.timeoutMs,
        statement_timeout: this.options.transactionPooler ? undefined : this.options.timeoutMs,
        application_name: `${this.options.applicationName}-health`,
      });
      // A dropped connection emits 'error'; unhandled it would crash the process.
      client.on('error', () => void this.dropClient());
      this.client = client;
      await client.connect();
    }
    await this.client.query('SELECT 1');
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
