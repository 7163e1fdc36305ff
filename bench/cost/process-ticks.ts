// CPU ticks (utime + stime from /proc/<pid>/stat) of each process group, and the CPU µs per
// event between two snapshots. Processes that appear in between count from zero.
import { readFileSync } from 'node:fs';
import type { ProcessGroup } from '../../load-tests/driver/process-cpu.ts';

const TICK_US = 10_000; // USER_HZ 100

export type TickSnapshot = Map<string, Map<number, number>>;

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

export async function snapshotTicks(groups: ProcessGroup[]): Promise<TickSnapshot> {
  const out: TickSnapshot = new Map();
  for (const g of groups) {
    const pids = await g.pids();
    out.set(g.short ?? g.name, new Map(pids.map((p) => [p, ticks(p)])));
  }
  return out;
}

/** µs of CPU per event for each group (API instances summed under `api`). */
export function cpuDelta(groups: ProcessGroup[], before: TickSnapshot, after: TickSnapshot, events: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of groups) {
    const key = g.short ?? g.name;
    const b = before.get(key) ?? new Map<number, number>();
    let delta = 0;
    for (const [pid, t] of after.get(key) ?? new Map<number, number>()) delta += t - (b.get(pid) ?? 0);
    const name = key.replace(/^api\d+$/, 'api');
    out[name] = (out[name] ?? 0) + (delta * TICK_US) / events;
  }
  return out;
}
