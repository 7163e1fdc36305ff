import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { metricsRegistry } from '@conduit/observability';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { RequestDeadlines } from './request-deadlines.js';

const shedTotal = new Counter({
  name: 'load_shed_total',
  help: 'Requests refused with 503 by load shedding, by reason (in_flight, event_loop)',
  labelNames: ['reason'] as const,
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

const EXEMPT = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Load shedding (pattern: admission control).
 * Protects against: queueing work the instance cannot finish in time. When in-flight requests
 * reach LOAD_SHED_MAX_IN_FLIGHT, or the event loop's p99 delay passes
 * LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS, new requests get an immediate 503 + Retry-After (cheap to
 * produce, so the instance recovers) and readiness reports `load: down` so a load balancer steers
 * away. Health checks and metrics are never shed or counted.
 * Runs as the first Fastify onRequest hook, before routing, auth, rate limits and body parsing.
 * It also starts each admitted request's time budget (RequestDeadlines).
 * Tested in apps/api/test/traffic/load-shedding.e2e.spec.ts.
 */
@Injectable()
export class LoadShedder implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private loopDelayMs = 0;
  private previousWindowP99Ms = 0;
  private sampler?: NodeJS.Timeout;
  // Own histogram, started once the app is up: module loading and DI at startup block the loop
  // for a while, and that must not make a fresh instance shed its first requests.
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly deadlines: RequestDeadlines;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly lifecycle: LifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.deadlines = new RequestDeadlines(config.REQUEST_TIMEOUT_MS, () => timedOutTotal.inc());
  }

  onModuleInit(): void {
    this.lifecycle.overloadReason = () => this.overloadReason();
    this.lifecycle.eventLoopDelayMs = () => this.loopDelayMs;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (EXEMPT.test(request.url)) return done();
      const reason = this.overloadReason();
      if (reason) {
        shedTotal.inc({ reason: reason === 'in-flight' ? 'in_flight' : 'event_loop' });
        reply
          .code(503)
          .header('retry-after', '1')
          .header('connection', 'close')
          .send({ errors: { server: [`overloaded (${reason}), please retry`] } });
        return;
      }
      this.lifecycle.inFlight++;
      inFlightGauge.inc();
      const untrack = this.deadlines.track(request, reply);
      // 'close' fires once whether the response finished or the client went away.
      reply.raw.once('close', () => {
        this.lifecycle.inFlight--;
        inFlightGauge.dec();
        untrack();
      });
      done();
    });
  }

  onApplicationBootstrap(): void {
    this.histogram.enable();
    this.deadlines.start();
    // Sampled, not computed per request: p99 of each 500 ms window (a percentile per request is
    // too costly). Overload must last two windows to count; it clears one window after it ends.
    this.sampler = setInterval(() => this.sample(), 500);
    this.sampler.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sampler);
    this.histogram.disable();
    this.deadlines.stop();
  }

  /** Why new requests are refused right now, or null. Readiness reports the same. */
  overloadReason(): 'in-flight' | 'event-loop' | null {
    if (this.lifecycle.inFlight >= this.config.LOAD_SHED_MAX_IN_FLIGHT) return 'in-flight';
    if (this.loopDelayMs > this.config.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS) return 'event-loop';
    return null;
  }

  private sample(): void {
    const windowP99Ms = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    // Sustained, not momentary: the delay that counts is the lower of the last two windows, so one
    // GC pause or a scheduler hiccup on a busy host never sheds; a loop blocked for >= 1 s does.
    this.loopDelayMs = Math.min(windowP99Ms, this.previousWindowP99Ms);
    this.previousWindowP99Ms = windowP99Ms;
  }
}
