import { Injectable } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Process-wide state that readiness and load shedding read: are we draining for shutdown,
 * how delayed is the event loop, how many requests are in flight.
 */
@Injectable()
export class LifecycleService {
  private draining = false;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private windowStartedAt = Date.now();
  private lastWindowP99Ms = 0;
  inFlight = 0;
  /** Why the load shedder (traffic/load-shedder.ts) refuses new requests right now, or null; readiness reports it. */
  overloadReason: () => string | null = () => null;

  constructor() {
    this.loopDelay.enable();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }

  /**
   * Sustained event-loop delay in milliseconds: the lower p99 of the last completed ~1 s window and
   * the current one, so a single pause (GC, a busy neighbour on the host) does not fail readiness.
   */
  eventLoopDelayMs(): number {
    const now = Date.now();
    if (now - this.windowStartedAt >= 1_000) {
      this.lastWindowP99Ms = this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : 0;
      this.loopDelay.reset();
      this.windowStartedAt = now;
    }
    const current = this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : this.lastWindowP99Ms;
    return Math.min(this.lastWindowP99Ms, current);
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
