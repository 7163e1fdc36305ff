// CPU per process group from /proc/<pid>/stat (utime + stime), sampled every few seconds:
// the load generator itself, each API instance, the worker, the load balancer, PostgreSQL
// (the backends serving the test database, from pg_stat_activity, plus the server's own
// processes) and Redis - and the whole machine from /proc/stat, so a reader can see when
// something else on the box was competing.
import { readFileSync, readdirSync } from 'node:fs';
import type { ResourceRow } from '../shared/summary.ts';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface ProcessGroup {
  name: string;
  /** For the progress line. */
  short?: string;
  /** Current pids (called at every sample: processes come and go). */
  pids: () => number[] | Promise<number[]>;
  note?: string;
  /** Part of the stack under test (API instances, worker, load balancer, Redis, PostgreSQL): summed in stackCpu(). */
  stack?: boolean;
}

/** Microseconds per clock tick of /proc/<pid>/stat (CLK_TCK is 100 on Linux). */
export const TICK_US = 10_000;

/** utime + stime of a process in clock ticks, or undefined once it has gone. */
export function cpuTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces: fields after the closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/**
 * Times the threads of a process went to sleep waiting for something (voluntary context switches,
 * summed over /proc/<pid>/task/<tid>/status), or undefined once it has gone. Each is a later
 * wakeup: at a sparse pace every message a process waits for costs one, and on a machine where
 * entering the kernel is dear (a paravirtualized guest) wakeups, not instructions, set the price
 * of a request. A count, so it does not drift with the machine's speed the way CPU time does.
 */
export function wakeupsOf(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const tid of tids) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const at = status.indexOf('voluntary_ctxt_switches:');
      if (at !== -1 && status[at - 1] === '\n') sum += Number.parseInt(status.slice(at + 24), 10);
    } catch {
      /* the thread exited */
    }
  }
  return sum;
}

/** The whole machine's busy and total clock ticks (all cores) from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Pids whose /proc/<pid>/comm equals `comm` and whose command line matches `cmdline` (if given). */
export function pidsByName(comm: string, cmdline?: RegExp): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      if (cmdline && !cmdline.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) continue;
      out.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}

interface Sample {
  at: number;
  /** Seconds since the previous sample. */
  seconds: number;
  /** group -> pct of one core over the interval */
  pct: number[];
  /** group -> wakeups (voluntary context switches of all its threads) over the interval */
  wakeups: number[];
  machinePct: number;
}

export class CpuSampler {
  private readonly last = new Map<number, number>();
  private readonly lastWakeups = new Map<number, number>();
  private lastMachine = machineTicks();
  private lastAt = performance.now();
  private readonly samples: Sample[] = [];
  private readonly groupPids: Array<Set<number>>;
  private timer?: NodeJS.Timeout;
  private sampling = false;
  private readonly cores: number;

  constructor(
    private readonly groups: ProcessGroup[],
    cores: number,
  ) {
    this.cores = cores;
    this.groupPids = groups.map(() => new Set());
  }

  async start(intervalMs = 2_000): Promise<void> {
    await this.sample(true);
    this.timer = setInterval(() => void this.sample(false), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Index to pass to rows(from) for a phase. */
  mark(): number {
    return this.samples.length;
  }

  /** Per-window averages for the timeline: window i covers [t0 + i*windowMs, t0 + (i+1)*windowMs). */
  windows(t0: number, windowMs: number, count: number): Array<{ test?: number; others?: number; machine?: number }> {
    return Array.from({ length: count }, (_, i) => {
      const inWin = this.samples.filter((x) => x.at > t0 + i * windowMs && x.at <= t0 + (i + 1) * windowMs);
      if (!inWin.length) return {};
      const avg = (f: (x: Sample) => number) => inWin.reduce((a, x) => a + f(x), 0) / inWin.length;
      const test = avg((x) => x.pct.reduce((a, b) => a + b, 0));
      const machine = avg((x) => x.machinePct);
      return { test, machine, others: Math.max(0, machine - test) };
    });
  }

  /** Latest sample (for the progress line). */
  latest(): Array<{ name: string; pct: number }> {
    const s = this.samples[this.samples.length - 1];
    return s ? this.groups.map((g, i) => ({ name: g.short ?? g.name, pct: s.pct[i] })) : [];
  }

  private async sample(baseline: boolean): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const now = performance.now();
      const pidLists = await Promise.all(
        this.groups.map(async (g) => {
          try {
            return await g.pids();
          } catch {
            return [];
          }
        }),
      );
      const elapsedS = (now - this.lastAt) / 1000;
      const pct = pidLists.map((pids, i) => {
        const ticks = growthSince(this.last, pids, (pid) => {
          const t = cpuTicksOf(pid);
          if (t !== undefined) this.groupPids[i].add(pid);
          return t;
        });
        return elapsedS > 0 ? (100 * ticks) / TICKS_PER_S / elapsedS : 0;
      });
      const wakeups = pidLists.map((pids) => growthSince(this.lastWakeups, pids, wakeupsOf));
      const m = machineTicks();
      const machinePct = m.total > this.lastMachine.total ? (100 * this.cores * (m.busy - this.lastMachine.busy)) / (m.total - this.lastMachine.total) : 0;
      this.lastMachine = m;
      this.lastAt = now;
      if (!baseline) this.samples.push({ at: now, seconds: elapsedS, pct, wakeups, machinePct });
    } finally {
      this.sampling = false;
    }
  }

  /**
   * The stack's CPU (the groups marked `stack`, summed per sample) over samples[from..to): average
   * and peak, 100 = one core. Undefined when no group is marked or no sample falls in the range.
   */
  stackCpu(from = 0, to = this.samples.length): { avgPct: number; maxPct: number; samples: number } | undefined {
    const members = this.groups.flatMap((g, i) => (g.stack ? [i] : []));
    const s = this.samples.slice(from, to);
    if (!members.length || !s.length) return undefined;
    const sums = s.map((x) => members.reduce((a, i) => a + x.pct[i], 0));
    return { avgPct: sums.reduce((a, b) => a + b, 0) / sums.length, maxPct: Math.max(...sums), samples: sums.length };
  }

  /**
   * Wakeups a second of each stack group over samples[from..to), and their sum: divided by the
   * request rate of the same stretch, the wakeups one request costs the stack.
   */
  stackWakeups(from = 0, to = this.samples.length): { perSecond: number; byGroup: Array<{ name: string; perSecond: number }> } | undefined {
    const members = this.groups.flatMap((g, i) => (g.stack ? [i] : []));
    const s = this.samples.slice(from, to);
    const seconds = s.reduce((a, x) => a + x.seconds, 0);
    if (!members.length || !s.length || seconds <= 0) return undefined;
    const byGroup = members.map((i) => ({ name: this.groups[i].name, perSecond: s.reduce((a, x) => a + x.wakeups[i], 0) / seconds }));
    return { perSecond: byGroup.reduce((a, g) => a + g.perSecond, 0), byGroup };
  }

  /** Names of the groups stackCpu() sums. */
  stackGroups(): string[] {
    return this.groups.filter((g) => g.stack).map((g) => g.name);
  }

  /** Average and peak per group over samples[from..]; plus the whole machine and "everything else". */
  rows(from = 0): ResourceRow[] {
    const s = this.samples.slice(from);
    if (!s.length) return [];
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rows: ResourceRow[] = this.groups.map((g, i) => ({
      name: g.name,
      pids: [...this.groupPids[i]].slice(0, 12),
      cpuAvgPct: avg(s.map((x) => x.pct[i])),
      cpuMaxPct: Math.max(...s.map((x) => x.pct[i])),
      note: g.note,
    }));
    const machine = s.map((x) => x.machinePct);
    const others = s.map((x) => Math.max(0, x.machinePct - x.pct.reduce((a, b) => a + b, 0)));
    rows.push({ name: `whole machine (${this.cores} cores)`, pids: [], cpuAvgPct: avg(machine), cpuMaxPct: Math.max(...machine), note: `max ${this.cores * 100}%` });
    rows.push({ name: 'everything else', pids: [], cpuAvgPct: avg(others), cpuMaxPct: Math.max(...others), note: 'other processes on the box (not part of this test)' });
    return rows;
  }
}

/**
 * How much a per-process counter (CPU ticks, wakeups) grew over `pids` since each one's last
 * reading in `last`, which is updated. A process first seen now only counts from now on (its past
 * is not this run's); one that has gone counts nothing.
 */
function growthSince(last: Map<number, number>, pids: number[], read: (pid: number) => number | undefined): number {
  let sum = 0;
  for (const pid of pids) {
    const value = read(pid);
    if (value === undefined) continue;
    const prev = last.get(pid);
    if (prev !== undefined) sum += value - prev;
    last.set(pid, value);
  }
  return sum;
}

/** Child processes of pid (one level: HAProxy's master-worker, for instance). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}
