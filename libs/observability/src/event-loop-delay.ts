import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** How often the loop is checked. Delays shorter than a check interval are still measured to the microsecond. */
export const EVENT_LOOP_CHECK_MS = 50;

/** One reader's view: every check is recorded into `histogram` (nanoseconds) until `close()`. */
export interface EventLoopDelayWindow {
  readonly histogram: RecordableHistogram;
  close(): void;
}

/**
 * The process's one event-loop delay sampler (pattern: one sampler, several readers).
 *
 * A timer every EVENT_LOOP_CHECK_MS records how late it fired: the time the loop could not run
 * timers (a blocked or starved loop). Admission control (LoadShedder, 500 ms windows) and the
 * nodejs_eventloop_lag_* metrics (one window per scrape) each read and reset their own histogram.
 * Protects against: the cost of sampling at all. Two perf_hooks monitors at 10 ms (prom-client's
 * default metrics and admission control's) woke every instance, busy or idle, about 100 times a
 * second (an idle API instance: 121 main-thread wakeups a second before, 44 after); this one
 * wakes it 20 times. The signal is the same where it matters: admission control
 * acts on a p99 above LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS (1 s), the alert above 200 ms. Unlike
 * perf_hooks' monitor, which records the whole interval (an idle loop reads as 10 ms at 10 ms
 * resolution), this records only the lateness, so an idle loop reads as about 0.
 * Test: libs/observability/src/event-loop-delay.spec.ts.
 */
class EventLoopDelaySampler {
  private readonly readers = new Set<RecordableHistogram>();
  private timer?: NodeJS.Timeout;
  private last = 0;

  window(): EventLoopDelayWindow {
    const histogram = createHistogram();
    this.readers.add(histogram);
    this.start();
    return {
      histogram,
      close: () => {
        this.readers.delete(histogram);
        if (this.readers.size === 0) this.stop();
      },
    };
  }

  private start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.check(), EVENT_LOOP_CHECK_MS);
    // Never keeps a process alive on its own.
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = performance.now();
    // At least 1 ns: a RecordableHistogram takes only positive integers.
    const lateNs = Math.max(1, Math.round((now - this.last - EVENT_LOOP_CHECK_MS) * 1e6));
    this.last = now;
    for (const histogram of this.readers) histogram.record(lateNs);
  }
}

export const eventLoopDelay = new EventLoopDelaySampler();
