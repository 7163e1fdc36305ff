import type { RecordableHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { eventLoopDelay } from './event-loop-delay.js';

/** prom-client's default event-loop gauges, by name suffix and the histogram figure each reports. */
const FIGURES: Record<string, (h: RecordableHistogram) => number> = {
  min: (h) => h.min,
  max: (h) => h.max,
  mean: (h) => h.mean,
  stddev: (h) => h.stddev,
  p50: (h) => h.percentile(50),
  p90: (h) => h.percentile(90),
  p99: (h) => h.percentile(99),
};

/**
 * The nodejs_eventloop_lag_* metrics (same names and units as prom-client's defaults, which
 * dashboards, the alert rules and the load-test reports read) from the process's one sampler
 * (event-loop-delay.ts) instead of prom-client's own 10 ms monitor. Each scrape reports the
 * checks since the previous one, then resets, as prom-client does. nodejs_eventloop_lag_seconds
 * stays what it was: how long a setImmediate took to run at scrape time.
 * Call after collectDefaultMetrics: it replaces the gauges of the same names.
 */
export function registerEventLoopMetrics(registry: Registry): void {
  const window = eventLoopDelay.window();
  const names = ['nodejs_eventloop_lag_seconds', ...Object.keys(FIGURES).map((figure) => `nodejs_eventloop_lag_${figure}_seconds`)];
  names.forEach((name) => registry.removeSingleMetric(name));
  // Registered first: the registry starts collecting every metric in registration order, and this
  // collect sets the figures synchronously, before its first await, so they are this scrape's.
  new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers: [registry],
    async collect() {
      const h = window.histogram;
      for (const { gauge, read } of figures) gauge.set(h.count > 0 ? read(h) / 1e9 : 0);
      h.reset();
      const start = process.hrtime.bigint();
      await new Promise((resolve) => setImmediate(resolve));
      this.set(Number(process.hrtime.bigint() - start) / 1e9);
    },
  });
  const figures = Object.entries(FIGURES).map(([figure, read]) => ({
    gauge: new Gauge({ name: `nodejs_eventloop_lag_${figure}_seconds`, help: `Event-loop delay since the last scrape, ${figure} (lateness of a check every 50 ms)`, registers: [registry] }),
    read,
  }));
}
