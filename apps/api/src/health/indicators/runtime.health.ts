import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleService } from '../../lifecycle/lifecycle.service.js';

/** In-process checks: shutdown draining, event-loop delay, heap usage. */
@Injectable()
export class RuntimeHealthIndicator {
  constructor(private readonly lifecycle: LifecycleService, private readonly health: HealthIndicatorService) {}

  shutdown() {
    const session = this.health.check('shutdown');
    return this.lifecycle.isDraining ? session.down({ message: 'draining for shutdown' }) : session.up();
  }

  eventLoop(maxDelayMs: number) {
    const session = this.health.check('eventLoop');
    const delayMs = Math.round(this.lifecycle.eventLoopDelayMs() * 10) / 10;
    return delayMs > maxDelayMs ? session.down({ delayMs, maxDelayMs, message: 'overloaded' }) : session.up({ delayMs });
  }

  /** Load shedding active (in-flight or event-loop limit passed): steer traffic elsewhere. */
  load() {
    const session = this.health.check('load');
    const reason = this.lifecycle.overloadReason();
    return reason ? session.down({ message: `overloaded (${reason}), shedding new requests`, inFlight: this.lifecycle.inFlight }) : session.up({ inFlight: this.lifecycle.inFlight });
  }

  heap(maxBytes: number) {
    const session = this.health.check('heap');
    const used = process.memoryUsage().heapUsed;
    return used > maxBytes ? session.down({ usedBytes: used, maxBytes }) : session.up({ usedBytes: used });
  }
}
