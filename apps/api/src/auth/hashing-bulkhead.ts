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
 * Retry-After (BulkheadFull) instead of waiting without bound, and at once when the queue ahead
 * of it already holds more than `maxWaitMs` of work (queued / concurrency x the recent task time,
 * mean plus its mean deviation): under a sustained surge the excess is refused in microseconds,
 * not after waiting out the whole bound (which would also hold an admission slot and a client for
 * that long). With the mean alone, a busy box's spread of hash times let in sign-ins that then
 * waited the whole bound and were refused anyway (1% of all refusals at 3x overload, each 0.6-0.8 s).
 * The same estimate is re-checked for those already waiting whenever a task ends: when hash times
 * grow (the box got busier), a waiter that can no longer start before its deadline is refused
 * then, not when the deadline passes - the wait it would have spent was wasted on both sides.
 * Test: apps/api/src/auth/hashing-bulkhead.spec.ts; the login storm: `npm run loadtest:login-storm`.
 */
export class BulkheadFull extends Error {
  constructor(readonly reason: 'queue_full' | 'expected_wait' | 'wait_timeout') {
    super(`password hashing is busy (${reason})`);
    this.name = 'BulkheadFull';
  }
}

interface Waiter {
  start: () => void;
  refuse: (reason: BulkheadFull) => void;
  /** When its wait runs out (now() basis). */
  deadline: number;
  timer: NodeJS.Timeout;
}

export interface BulkheadStats {
  running: number;
  queued: number;
}

export interface HashingBulkheadOptions {
  concurrency: number;
  maxQueued: number;
  maxWaitMs: number;
  /** Clock for task times (tests); performance.now() by default. */
  now?: () => number;
}

/** Weight of the newest task time in the running mean (about the last ten tasks). */
const TASK_MS_WEIGHT = 0.1;
/**
 * Tasks the mean must rest on before it refuses anyone at once. A process's first hashes are the
 * slowest (measured: ~2x the later ones when idle, more on a busy box, where an instance also
 * starts while others boot beside it), and a mean seeded by them refused sign-ins that would have
 * started well within maxWaitMs. Until then the wait itself is the bound (wait_timeout).
 */
const MIN_TASKS_FOR_ESTIMATE = 10;

export class HashingBulkhead {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** Running mean of a task's wall time, ms (undefined until the first one finished). */
  private taskMs?: number;
  /** Running mean of |task time - mean|, ms: the spread the estimate allows for. */
  private taskDeviationMs = 0;
  private tasks = 0;
  private readonly now: () => number;

  constructor(private readonly options: HashingBulkheadOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  stats(): BulkheadStats {
    return { running: this.running, queued: this.queue.length };
  }

  /** How long a task arriving now may wait before it starts, from the recent task times (mean + mean deviation, ms); 0 while they are too few to tell. */
  expectedWaitMs(): number {
    return this.waitAtMs(this.queue.length);
  }

  /** Expected wait of the task at `position` in the queue (0 = next to start): that many tasks plus one end first. */
  private waitAtMs(position: number): number {
    return this.taskMs === undefined || this.tasks < MIN_TASKS_FOR_ESTIMATE ? 0 : ((position + 1) / this.options.concurrency) * (this.taskMs + this.taskDeviationMs);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) await this.waitForSlot();
    else this.running++;
    const started = this.now();
    try {
      return await work();
    } finally {
      const ms = this.now() - started;
      // A plain mean of the first tasks, then the running one: the first (cold) task does not dominate.
      this.tasks++;
      const weight = Math.max(TASK_MS_WEIGHT, 1 / this.tasks);
      if (this.taskMs !== undefined) this.taskDeviationMs += (Math.abs(ms - this.taskMs) - this.taskDeviationMs) * weight;
      this.taskMs = this.taskMs === undefined ? ms : this.taskMs + (ms - this.taskMs) * weight;
      this.release();
    }
  }

  private waitForSlot(): Promise<void> {
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new BulkheadFull('queue_full'));
    if (this.expectedWaitMs() > this.options.maxWaitMs) return Promise.reject(new BulkheadFull('expected_wait'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot is handed over by release(): `running` stays counted.
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        refuse: (reason) => {
          clearTimeout(waiter.timer);
          reject(reason);
        },
        deadline: this.now() + this.options.maxWaitMs,
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
    this.refuseHopeless();
  }

  /** Refuses, now, every waiter whose expected start (from the newest task times) is past its deadline. */
  private refuseHopeless(): void {
    if (!this.queue.length || this.waitAtMs(0) === 0) return;
    const now = this.now();
    // From the back: taking a waiter out moves only those behind it, which were judged already.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const waiter = this.queue[i];
      if (now + this.waitAtMs(i) <= waiter.deadline) continue;
      this.queue.splice(i, 1);
      waiter.refuse(new BulkheadFull('expected_wait'));
    }
  }
}
