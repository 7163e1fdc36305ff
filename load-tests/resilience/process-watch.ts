// Counts process exits of the stack's children during a scenario by polling their pids: a pid
// that changes or disappears is an exit (the supervisor may have restarted it already). Exits the
// scenario caused on purpose are reported separately (expected).
interface Watched {
  name: string;
  pid: number | undefined;
}

export interface ExitEvent {
  name: string;
  pid: number;
  atMs: number;
}

export class ProcessWatch {
  readonly exits: ExitEvent[] = [];
  private timer?: NodeJS.Timeout;
  private last = new Map<string, number | undefined>();
  private readonly t0 = performance.now();

  constructor(private readonly list: () => Watched[]) {}

  start(): void {
    for (const p of this.list()) this.last.set(p.name, p.pid);
    this.timer = setInterval(() => this.poll(), 100);
  }

  private poll(): void {
    for (const p of this.list()) {
      const before = this.last.get(p.name);
      if (before !== undefined && before !== p.pid) this.exits.push({ name: p.name, pid: before, atMs: performance.now() - this.t0 });
      this.last.set(p.name, p.pid);
    }
  }

  stop(): ExitEvent[] {
    this.poll();
    clearInterval(this.timer);
    return this.exits;
  }
}
