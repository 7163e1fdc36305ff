/**
 * Longest synchronous block on THIS process's event loop (the in-process test app runs on it), in ms
 * of CPU time, so the result does not depend on what else the machine is doing.
 *
 * A 5 ms timer ticks while the work runs. Between two ticks the loop was late by `wall - 5 ms`; that
 * lateness is either our code running (the process burns CPU the whole time) or the process waiting
 * for a core (CPU steal, other test workers, a burner: the process burns almost nothing). Each gap
 * therefore counts as min(lateness, CPU the process used in it): a handler that blocks for 150 ms
 * counts 150 ms on an idle box and on a busy one, and a 120 ms wait for a core counts ~0.
 * (process.cpuUsage covers every thread of the process; other threads only add CPU while the loop is
 * late for its own reasons, which the min() still bounds by the lateness.)
 * Tests that it sees a real block and ignores a wait: input-limits.e2e.spec.ts ("the event-loop probe").
 */
export interface StallReading {
  /** Longest block, ms of CPU time (what the assertions use). */
  cpuMs: number;
  /** Longest lateness, ms of wall-clock time (printed for context only). */
  wallMs: number;
}

const TICK_MS = 5;

export class EventLoopProbe {
  private reading: StallReading = { cpuMs: 0, wallMs: 0 };

  private timer: NodeJS.Timeout | undefined;

  start(): this {
    let lastWall = performance.now();
    let lastCpu = process.cpuUsage();
    const tick = () => {
      const wall = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const lateMs = Math.max(0, wall - lastWall - TICK_MS);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      this.reading = {
        cpuMs: Math.max(this.reading.cpuMs, Math.min(lateMs, cpuMs)),
        wallMs: Math.max(this.reading.wallMs, lateMs),
      };
      lastWall = wall;
      lastCpu = process.cpuUsage();
      this.timer = setTimeout(tick, TICK_MS);
    };
    this.timer = setTimeout(tick, TICK_MS);
    return this;
  }

  /** Longest block since start(), then stops. */
  stop(): StallReading {
    clearTimeout(this.timer);
    return this.reading;
  }

  /** Runs `work` and returns the longest block observed meanwhile. */
  static async during(work: () => Promise<unknown>): Promise<StallReading> {
    const probe = new EventLoopProbe().start();
    try {
      await work();
    } finally {
      // Let the last block's gap be sampled.
      await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    }
    return probe.stop();
  }
}

/** Burns `ms` of this process's CPU time synchronously (a handler doing that much work). */
export function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}
