import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay of THIS process (the in-process test app runs on it), in ms.
 * Resolution 10 ms: a histogram sample is the lateness of a 10 ms timer, so a handler that
 * blocks for 150 ms shows up as a max of ~150 ms.
 */
export class EventLoopProbe {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): this {
    this.histogram.reset();
    this.histogram.enable();
    return this;
  }

  /** Max delay (ms) since start(), then stops. */
  stop(): number {
    this.histogram.disable();
    return this.histogram.max / 1e6;
  }

  /** Runs `work` and returns the max event-loop delay (ms) observed meanwhile. */
  static async during(work: () => Promise<unknown>): Promise<number> {
    const probe = new EventLoopProbe().start();
    try {
      await work();
    } finally {
      // Let the last tick's lateness be sampled.
      await new Promise((r) => setTimeout(r, 30));
    }
    return probe.stop();
  }
}
