import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenService } from '../auth/token.service.js';
import { PoolWarmer } from '../database/pool-warmer.js';
import { CACHE_REDIS } from '../redis/redis.module.js';
import { HotStatements, type HotSample } from './hot-statements.js';
import { warmupHeaders } from './warmup-marker.js';
import { warmupRequests } from './warmup-plan.js';

/** In-process requests in flight at once during the request pass. */
const CONCURRENCY = 4;

export interface WarmupStep {
  ok: boolean;
  ms: number;
  detail: string;
}

export interface WarmupReport {
  status: 'off' | 'pending' | 'running' | 'done';
  /** WARMUP_TIMEOUT_MS: readiness is never held longer than this. */
  boundMs: number;
  tookMs?: number;
  /** The bound passed before every step finished (the instance became ready anyway). */
  timedOut: boolean;
  steps: Partial<Record<'pool' | 'redis' | 'statements' | 'requests', WarmupStep>>;
  /** The request pass: sent, answered below 500, and failed (5xx or no answer). */
  requests: { sent: number; ok: number; failed: number };
}

/**
 * Warm before ready (pattern: no cold instance in rotation). A fresh process is slow for its first
 * requests: V8 has not compiled the hot paths, the pool opens connections one request at a time,
 * PostgreSQL has not parsed or planned the prepared statements on those connections, and the
 * in-process cache is empty. Once the app listens (onListen hook in bootstrap/create-app.ts) this
 * runs, while /health/ready answers 503 ("warming up") and /health/live stays 200:
 *  1. pool: opens DB_POOL_MIN connections (kept open when idle);
 *  2. redis: waits for the cache client and pings it;
 *  3. statements: each hot read statement (hot-statements.ts);
 *  4. requests: WARMUP_REQUESTS representative GETs through the whole pipeline with Fastify's
 *     inject (no socket), marked (warmup-marker.ts) so they count in no metric or rate limit.
 * Bounded: after WARMUP_TIMEOUT_MS the instance is ready whatever is left; a dependency that is
 * down fails its step fast (every call has its own timeout) and readiness then follows the usual
 * rules (health/health-state.ts). The load balancer then ramps the instance in (HAProxy
 * slowstart, infra/haproxy/haproxy.cfg).
 * Tested in apps/api/test/health/warmup.e2e.spec.ts; measured in
 * load-tests/resilience/scenarios/warm-start.scenario.ts.
 */
@Injectable()
export class WarmupState {
  private readonly logger = new Logger('Warmup');
  private readonly report: WarmupReport;
  /** Warm-up requests still queued when the lanes stopped at the deadline. */
  private requestsLeft = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly poolWarmer: PoolWarmer,
    @Inject(CACHE_REDIS) private readonly redis: Redis,
    private readonly statements: HotStatements,
    private readonly tokens: TokenService,
  ) {
    this.report = { status: config.WARMUP_ENABLED ? 'pending' : 'off', boundMs: config.WARMUP_TIMEOUT_MS, timedOut: false, steps: {}, requests: { sent: 0, ok: 0, failed: 0 } };
  }

  get finished(): boolean {
    return this.report.status === 'off' || this.report.status === 'done';
  }

  figures(): WarmupReport {
    return { ...this.report, steps: { ...this.report.steps }, requests: { ...this.report.requests } };
  }

  /** Starts the warm-up once (later calls do nothing); readiness follows `finished`. */
  start(fastify: FastifyInstance): void {
    if (this.report.status !== 'pending') return;
    this.report.status = 'running';
    void this.run(fastify);
  }

  private async run(fastify: FastifyInstance): Promise<void> {
    const started = performance.now();
    const deadline = started + this.config.WARMUP_TIMEOUT_MS;
    const bound = new AbortController();
    const work = this.steps(fastify, deadline).then(
      () => 'finished' as const,
      () => 'finished' as const,
    );
    const outcome = await Promise.race([work, sleep(this.config.WARMUP_TIMEOUT_MS, 'timed out' as const, { signal: bound.signal, ref: false }).catch(() => 'finished' as const)]);
    bound.abort();
    // The request lanes also stop at the deadline, so the work can "finish" in the same tick the
    // timer fires: requests left unsent count as timed out too.
    const timedOut = outcome === 'timed out' || this.requestsLeft > 0;
    Object.assign(this.report, { status: 'done', timedOut, tookMs: Math.round(performance.now() - started) });
    const steps = Object.entries(this.report.steps).map(([name, s]) => `${name} ${s.ok ? 'ok' : 'FAILED'} (${s.detail}, ${s.ms} ms)`);
    this.logger.log(`warm-up ${timedOut ? 'timed out' : 'finished'} in ${this.report.tookMs} ms (bound ${this.config.WARMUP_TIMEOUT_MS} ms): ${steps.join('; ')}`);
  }

  private async steps(fastify: FastifyInstance, deadline: number): Promise<void> {
    await this.step('pool', async () => `${await this.poolWarmer.openToMinimum()} connections open`);
    await this.step('redis', () => this.checkRedis(deadline));
    let sample: HotSample = { slugs: [], authors: [], tags: [] };
    await this.step('statements', async () => {
      sample = await this.statements.sample();
      // Twice: concurrent statements spread over the open connections; each prepares its own.
      const ran = (await this.statements.runAll(sample)) + (await this.statements.runAll(sample));
      return `${ran + 1} statements, ${sample.slugs.length} articles sampled`;
    });
    await this.step('requests', () => this.sendRequests(fastify, sample, deadline));
  }

  private async step(name: keyof WarmupReport['steps'], work: () => Promise<string>): Promise<void> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const detail = await work();
      this.report.steps[name] = { ok: true, ms: ms(), detail };
    } catch (error) {
      this.report.steps[name] = { ok: false, ms: ms(), detail: (error as Error).message };
    }
  }

  /** The cache client connects in the background: waits for it (within the bound), then one PING. */
  private async checkRedis(deadline: number): Promise<string> {
    const waitUntil = Math.min(deadline, performance.now() + 1_000);
    while (this.redis.status !== 'ready' && performance.now() < waitUntil) await sleep(20);
    await this.redis.ping();
    return 'PING answered';
  }

  private async sendRequests(fastify: FastifyInstance, sample: HotSample, deadline: number): Promise<string> {
    const token = sample.viewer ? await this.tokens.sign(sample.viewer) : undefined;
    const queue = warmupRequests(sample, this.config.WARMUP_REQUESTS).filter((r) => token || !r.signedIn);
    const counts = this.report.requests;
    const lane = async () => {
      for (let next = queue.shift(); next && performance.now() < deadline; next = queue.shift()) {
        const headers = { ...warmupHeaders(), ...(next.signedIn ? { authorization: `Token ${token}` } : {}) };
        counts.sent++;
        const res = await fastify.inject({ method: 'GET', url: next.url, headers }).catch(() => undefined);
        if (res && res.statusCode < 500) counts.ok++;
        else counts.failed++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    this.requestsLeft = queue.length;
    if (counts.failed > 0) throw new Error(`${counts.failed} of ${counts.sent} requests failed`);
    return `${counts.sent} requests`;
  }
}
