import { Registry, collectDefaultMetrics } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_LOOP_CHECK_MS, eventLoopDelay, type EventLoopDelayWindow } from './event-loop-delay.js';
import { registerEventLoopMetrics } from './event-loop-metrics.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Keeps the event loop from running anything for `ms` (what a sync hash or a huge JSON.stringify does). */
const blockLoop = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

// Lower bounds only: a busy machine can make a check later, never earlier.
describe('event-loop delay: one sampler, several readers', () => {
  const open: EventLoopDelayWindow[] = [];
  const window = () => {
    const w = eventLoopDelay.window();
    open.push(w);
    return w;
  };
  afterEach(() => open.splice(0).forEach((w) => w.close()));

  it('records how long the loop was blocked, in every open window', async () => {
    const [a, b] = [window(), window()];
    await sleep(EVENT_LOOP_CHECK_MS * 2);
    blockLoop(300);
    await sleep(EVENT_LOOP_CHECK_MS * 2);
    for (const { histogram } of [a, b]) expect(histogram.max / 1e6).toBeGreaterThanOrEqual(300 - EVENT_LOOP_CHECK_MS);
  });

  it('a reader resets its own window only', async () => {
    const [a, b] = [window(), window()];
    await sleep(EVENT_LOOP_CHECK_MS * 3);
    a.histogram.reset();
    expect(a.histogram.count).toBe(0);
    expect(b.histogram.count).toBeGreaterThan(0);
  });

  it('a closed window records nothing more', async () => {
    const w = eventLoopDelay.window();
    await sleep(EVENT_LOOP_CHECK_MS * 2);
    w.close();
    const count = w.histogram.count;
    expect(count).toBeGreaterThan(0);
    await sleep(EVENT_LOOP_CHECK_MS * 3);
    expect(w.histogram.count).toBe(count);
  });

  it('serves the nodejs_eventloop_lag_* metrics, once each, with this scrape’s figures', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10_000 });
    registerEventLoopMetrics(registry);
    await registry.metrics(); // starts a fresh window for the next scrape
    blockLoop(300);
    await sleep(EVENT_LOOP_CHECK_MS * 2);
    const text = await registry.metrics();
    for (const figure of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) expect(text.match(new RegExp(`^# TYPE nodejs_eventloop_lag_${figure}_seconds gauge$`, 'gm'))).toHaveLength(1);
    expect(text.match(/^# TYPE nodejs_eventloop_lag_seconds gauge$/gm)).toHaveLength(1);
    const max = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
    expect(max).toBeGreaterThanOrEqual((300 - EVENT_LOOP_CHECK_MS) / 1000);
  });
});
