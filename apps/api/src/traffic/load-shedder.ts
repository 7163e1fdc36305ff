import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { eventLoopDelay, metricsRegistry, type EventLoopDelayWindow } from '@conduit/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { isWarmupRequest } from '../warmup/warmup-marker.js';
import { AdaptiveConcurrencyLimit } from './adaptive-concurrency-limit.js';
import { PRIORITY_SHARE, hasOwnBulkhead, requestPriority, type RequestPriority } from './request-priority.js';
import { RequestDeadlines } from './request-deadlines.js';
import type { LoadReport } from './load-report.js';

const shedTotal = new Counter({
  name: 'load_shed_total',
  help: 'Requests refused with 503 by admission control, by reason (concurrency_limit, event_loop) and priority',
  labelNames: ['reason', 'priority'] as const,
  registers: [metricsRegistry],
});

const timedOutTotal = new Counter({
  name: 'http_request_timeouts_total',
  help: 'Requests answered 503 because they passed REQUEST_TIMEOUT_MS',
  registers: [metricsRegistry],
});

const inFlightGauge = new Gauge({
  name: 'http_requests_in_flight',
  help: 'Requests being handled by this instance (health checks excluded)',
  registers: [metricsRegistry],
});

const limitGauge = new Gauge({
  name: 'admission_concurrency_limit',
  help: 'Adaptive concurrency limit of this instance (requests in flight it admits at most)',
  registers: [metricsRegistry],
});

/** Never counted nor shed: Prometheus must see an overloaded instance. (Health is answered before this.) */
const EXEMPT = /^\/metrics(?:\?|$)/;
/** How often the adaptive limit is recomputed from the latencies of the requests that finished. */
const LIMIT_WINDOW_MS = 250;

type ShedReason = 'concurrency limit' | 'event-loop';

/**
 * Admission control (pattern: adaptive concurrency limit with priority shedding).
 * Protects against: queueing work the instance cannot finish in time, until every request is slow
 * (collapse). Each instance admits at most `limit` requests at once; the limit adapts to measured
 * latency (AdaptiveConcurrencyLimit, between LOAD_SHED_MIN_CONCURRENCY and LOAD_SHED_MAX_IN_FLIGHT).
 * Lower priorities may fill only part of it (request-priority.ts), so anonymous reads are turned
 * away first and sign-ins and writes last. A sustained event-loop delay above
 * LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS (a blocked loop: the latencies cannot tell) admits only
 * critical requests. Refusals are a 503 + Retry-After produced before routing, auth or body
 * parsing: they cost a fraction of a millisecond, so the instance keeps its throughput.
 * Readiness never reflects this (busy is not unhealthy: health/health-state.ts).
 * Runs in the first onRequest hook (front-door.ts), which also starts the request's time budget.
 * Tested in apps/api/test/traffic/load-shedding.e2e.spec.ts; under 2x/3x overload in
 * load-tests/resilience/overload.scenario.ts.
 */
@Injectable()
export class LoadShedder implements LoadReport, OnApplicationBootstrap, OnModuleDestroy {
  private loopDelayMs = 0;
  private previousWindowP99Ms = 0;
  private timers: NodeJS.Timeout[] = [];
  // Its own window on the process's event-loop sampler, opened once the app is up: module loading
  // and DI at startup block the loop for a while, and that must not make a fresh instance shed its
  // first requests.
  private loopWindow?: EventLoopDelayWindow;
  private readonly deadlines: RequestDeadlines;
  private readonly limiter: AdaptiveConcurrencyLimit;
  private readonly shedCounts: Record<RequestPriority, number> = { critical: 0, normal: 0, low: 0 };
  /** Requests in flight that the adaptive limit governs (all but those with their own bulkhead). */
  private limitedInFlight = 0;

  constructor(
    private readonly lifecycle: LifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.deadlines = new RequestDeadlines(config.REQUEST_TIMEOUT_MS, () => timedOutTotal.inc());
    const maxLimit = config.LOAD_SHED_MAX_IN_FLIGHT;
    const minLimit = Math.min(config.LOAD_SHED_MIN_CONCURRENCY, maxLimit);
    const maxLatencyMs = config.LOAD_SHED_MAX_LATENCY_MS;
    // Starts well above the floor: a fresh instance in a ramp must not shed before the limit has
    // had a chance to learn from its first windows.
    const initialLimit = Math.min(maxLimit, Math.max(minLimit * 2, 100));
    this.limiter = new AdaptiveConcurrencyLimit({ initialLimit, minLimit, maxLimit, maxLatencyMs, minLatencyMs: Math.min(100, maxLatencyMs / 2) });
  }

  eventLoopDelayMs(): number {
    return this.loopDelayMs;
  }

  figures(): Record<string, unknown> {
    return { inFlight: this.lifecycle.inFlight, limitedInFlight: this.limitedInFlight, limit: this.limiter.limit, shed: { ...this.shedCounts }, shedding: this.isShedding() };
  }

  onApplicationBootstrap(): void {
    this.loopWindow = eventLoopDelay.window();
    this.deadlines.start();
    limitGauge.set(this.limiter.limit);
    // Sampled, not computed per request: p99 of each 500 ms window (a percentile per request is
    // too costly). Overload must last two windows to count; it clears one window after it ends.
    const loop = setInterval(() => this.sampleEventLoop(), 500);
    const limit = setInterval(() => limitGauge.set(this.limiter.update()), LIMIT_WINDOW_MS);
    this.timers = [loop, limit];
    this.timers.forEach((t) => t.unref());
  }

  onModuleDestroy(): void {
    this.timers.forEach((t) => clearInterval(t));
    this.loopWindow?.close();
    this.loopWindow = undefined;
    this.deadlines.stop();
  }

  /** Admits the request (calls done) or answers it with 503 at once. */
  admit(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    // Metrics, and the warm-up's own in-process requests: neither counted nor shed (a cold
    // instance's first latencies must not teach the adaptive limit anything).
    if (EXEMPT.test(request.url) || isWarmupRequest(request.headers)) return done();
    const priority = requestPriority(request.method, request.headers.authorization);
    const limited = !hasOwnBulkhead(request.method, request.url);
    const reason = limited ? this.refusal(priority) : null;
    if (reason) {
      this.shedCounts[priority]++;
      shedTotal.inc({ reason: reason === 'event-loop' ? 'event_loop' : 'concurrency_limit', priority });
      reply
        .code(503)
        .header('retry-after', '1')
        .send({ errors: { server: [`overloaded (${reason}), please retry`] } });
      return;
    }
    // Every admitted request counts for the drain on shutdown and the in-flight gauge; only the
    // limited ones for the adaptive limit (request-priority.ts: hasOwnBulkhead).
    const lifecycle = this.lifecycle;
    lifecycle.inFlight++;
    const inFlight = limited ? ++this.limitedInFlight : 0;
    inFlightGauge.inc();
    const started = performance.now();
    const untrack = this.deadlines.track(request, reply);
    // 'close' fires once whether the response finished or the client went away.
    reply.raw.once('close', () => {
      lifecycle.inFlight--;
      inFlightGauge.dec();
      untrack();
      if (!limited) return;
      this.limitedInFlight--;
      this.limiter.addSample(performance.now() - started, inFlight);
    });
    done();
  }

  private refusal(priority: RequestPriority): ShedReason | null {
    if (priority !== 'critical' && this.loopDelayMs > this.config.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS) return 'event-loop';
    const allowed = Math.max(1, Math.floor(this.limiter.limit * PRIORITY_SHARE[priority]));
    return this.limitedInFlight >= allowed ? 'concurrency limit' : null;
  }

  /** True while the lowest priority (anonymous reads) is being turned away. */
  isShedding(): boolean {
    return this.refusal('low') !== null;
  }

  private sampleEventLoop(): void {
    const histogram = this.loopWindow?.histogram;
    if (!histogram) return;
    const windowP99Ms = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    histogram.reset();
    // Sustained, not momentary: the delay that counts is the lower of the last two windows, so one
    // GC pause or a scheduler hiccup on a busy host never sheds; a loop blocked for >= 1 s does.
    this.loopDelayMs = Math.min(windowP99Ms, this.previousWindowP99Ms);
    this.previousWindowP99Ms = windowP99Ms;
  }
}
