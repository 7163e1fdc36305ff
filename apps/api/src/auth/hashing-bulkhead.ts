/**
 * Pattern "bulkhead": at most `concurrency` password hashes run at once in this process, at most
 * `maxQueued` wait, and none waits longer than `maxWaitMs`.
 *
 * Why: argon2id costs ~25 ms of CPU per sign-in by design. Unbounded, a burst of sign-ins (a
 * ramp, a login storm) runs one hash per libuv thread (4 per instance, 8 on a 2-instance box) and
 * takes every core from the event loops and PostgreSQL: every other request slows down, admission
 * control sees the latency and sheds cheap reads. Bounded, hashing uses at most `concurrency`
 * cores per instance, sign-ins queue (fairly, first come first served) and the rest of the
 * traffic keeps its latency. A sign-in that cannot start in time is refused with a 503 +
 * Retry-After (BulkheadFull) instead of waiting without bound.
 * Test: apps/api/src/auth/hashing-bulkhead.spec.ts; the login storm: `npm run loadtest:login-storm`.
 */
export class BulkheadFull extends Error {
  constructor(readonly reason: 'queue_full' | 'wait_timeout') {
    super(`password hashing is busy (${reason})`);
    this.name = 'BulkheadFull';
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export interface BulkheadStats {
  running: number;
  queued: number;
}

export class HashingBulkhead {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: { concurrency: number; maxQueued: number; maxWaitMs: number }) {}

  stats(): BulkheadStats {
    return { running: this.running, queued: this.queue.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) await this.waitForSlot();
    else this.running++;
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private waitForSlot(): Promise<void> {
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new BulkheadFull('queue_full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot is handed over by release(): `running` stays counted.
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new BulkheadFull('wait_timeout'));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next.start();
    else this.running--;
  }
}
