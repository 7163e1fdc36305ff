import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerEventLoopMetrics } from './event-loop-metrics.js';

/**
 * One Prometheus registry per process. Default metrics cover event-loop lag, heap, RSS,
 * GC and CPU; feature modules register their own counters on this registry.
 */
export const metricsRegistry = new Registry();
// prom-client's own event-loop monitor cannot be turned off: at a 10 s resolution it wakes the
// process once every 10 s; registerEventLoopMetrics replaces its gauges (event-loop-delay.ts).
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 10_000 });
registerEventLoopMetrics(metricsRegistry);

/** V8's heap ceiling (--max-old-space-size): the HeapNearLimit alert divides used heap by it. */
new Gauge({
  name: 'nodejs_heap_size_limit_bytes',
  help: 'V8 heap size limit of this process',
  registers: [metricsRegistry],
  collect() {
    this.set(getHeapStatistics().heap_size_limit);
  },
});

/** Labelled by route template (/api/articles/:slug), never the raw URL, to bound cardinality. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
  registers: [metricsRegistry],
});

export const httpRequestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  registers: [metricsRegistry],
});
