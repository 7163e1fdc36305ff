import { Injectable } from '@nestjs/common';

/**
 * Process-wide state that readiness and load shedding read: are we draining for shutdown,
 * how many requests are in flight, and (from the load shedder, the one event-loop sampler)
 * the sustained event-loop delay and whether new requests are refused.
 */
@Injectable()
export class LifecycleService {
  private draining = false;
  inFlight = 0;
  /** Why the load shedder (traffic/load-shedder.ts) refuses new requests right now, or null; readiness reports it. */
  overloadReason: () => string | null = () => null;
  /** Sustained event-loop delay in ms, sampled by the load shedder (p99, lower of its last two windows). */
  eventLoopDelayMs: () => number = () => 0;

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }
}
