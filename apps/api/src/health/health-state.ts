import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { PG_POOL } from '../database/database.module.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { LOAD_REPORT, type LoadReport } from '../traffic/load-report.js';
import { CACHE_REDIS } from '../redis/redis.module.js';
import { WarmupState } from '../warmup/warmup-state.js';
import { DependencyProbe, type ProbeState } from './dependency-probe.js';

/** How often the background probe checks PostgreSQL and Redis (well below the LB's check interval). */
const PROBE_INTERVAL_MS = 500;

type Check = { status: 'up' | 'down' | 'degraded' } & Record<string, unknown>;

export interface HealthReport {
  status: 'ok' | 'error';
  info: Record<string, Check>;
  error: Record<string, Check>;
  details: Record<string, Check>;
}

/**
 * Liveness and readiness, computed from state (pattern: overload is not unhealthiness).
 * Readiness answers "can this instance serve at all?": 503 only while warming up after start
 * (bounded by WARMUP_TIMEOUT_MS: warmup/warmup-state.ts), while draining for shutdown,
 * when PostgreSQL is unreachable (background probe, DependencyProbe) or the heap is past its
 * ceiling. Being busy never fails it: load and event-loop delay are reported for operators, and
 * overload is handled per request by admission control (traffic/load-shedder.ts). A check that
 * fails on load takes equally loaded instances out in turn and doubles the survivors' load
 * (measured: 36 DOWN transitions in 2 minutes at 1000 users before this change).
 * Nothing here awaits I/O, so the answer costs microseconds even when the pool is saturated.
 * Tested in apps/api/test/health/health.e2e.spec.ts; under overload in load-tests/resilience/overload.scenario.ts.
 */
@Injectable()
export class HealthState implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly probe: DependencyProbe;

  constructor(
    private readonly lifecycle: LifecycleService,
    @Inject(LOAD_REPORT) private readonly load: LoadReport,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(CACHE_REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly warmup: WarmupState,
  ) {
    this.probe = new DependencyProbe({
      databaseUrl: config.DATABASE_URL,
      redis,
      timeoutMs: config.HEALTH_CHECK_TIMEOUT_MS,
      intervalMs: PROBE_INTERVAL_MS,
      applicationName: `conduit-${config.INSTANCE_ID}`,
      transactionPooler: config.DB_TRANSACTION_POOLER,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // The first round completes before the app listens, so readiness is right from the first check.
    await this.probe.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.probe.stop();
  }

  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  ready(): HealthReport {
    const details: Record<string, Check> = {
      warmup: this.warmupCheck(),
      shutdown: this.lifecycle.isDraining ? { status: 'down', message: 'draining for shutdown' } : { status: 'up' },
      database: { ...this.dependency(this.probe.database, 'down'), pool: { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount } },
      // The cache fails open: a Redis outage must not make every instance unready at once.
      redis: this.dependency(this.probe.redis, 'degraded', 'cache unavailable, serving from PostgreSQL'),
      // Informational only (see the class comment): busy is not unhealthy.
      load: { status: 'up', ...this.load.figures() },
      eventLoop: { status: 'up', delayMs: Math.round(this.load.eventLoopDelayMs() * 10) / 10 },
      heap: this.heap(),
    };
    const info: Record<string, Check> = {};
    const error: Record<string, Check> = {};
    for (const [name, check] of Object.entries(details)) (check.status === 'down' ? error : info)[name] = check;
    return { status: Object.keys(error).length ? 'error' : 'ok', info, error, details };
  }

  private dependency(state: ProbeState, whenDown: 'down' | 'degraded', message?: string): Check {
    const checkedAgoMs = state.checkedAt === undefined ? undefined : Date.now() - state.checkedAt;
    if (state.up) return { status: 'up', responseTime: state.latencyMs, checkedAgoMs };
    return { status: whenDown, message: message ? `${message}: ${state.lastError}` : state.lastError, failures: state.failures, checkedAgoMs };
  }

  private warmupCheck(): Check {
    const { status, ...figures } = this.warmup.figures();
    if (this.warmup.finished) return { status: 'up', warmup: status, ...figures };
    return { status: 'down', message: 'warming up', warmup: status, boundMs: figures.boundMs };
  }

  private heap(): Check {
    const usedBytes = process.memoryUsage().heapUsed;
    const maxBytes = this.config.HEALTH_MAX_HEAP_BYTES;
    return usedBytes > maxBytes ? { status: 'down', usedBytes, maxBytes } : { status: 'up', usedBytes };
  }
}
