// Names what ran out first at a stress level, from the evidence the driver collected: CPU per
// process (and the whole machine), the API instances' event-loop delay and PostgreSQL pool use.
import type { ResourceRow, StressLevel } from '../shared/summary.ts';
import type { InstanceReading } from './instance-metrics.ts';

export function diagnoseBottleneck(level: StressLevel, instances: InstanceReading[], cores: number): string {
  const rows = level.resources ?? [];
  const machine = rows.find((r) => r.name.startsWith('whole machine'));
  const procs = rows.filter((r) => !r.name.startsWith('whole machine') && r.name !== 'everything else').sort((a, b) => b.cpuAvgPct - a.cpuAvgPct);
  const others = rows.find((r) => r.name === 'everything else');
  const fmt = (r: ResourceRow) => `${r.name} ${r.cpuAvgPct.toFixed(0)}%`;
  const evidence: string[] = [];
  if (machine) evidence.push(`whole machine CPU ${machine.cpuAvgPct.toFixed(0)}% of ${cores * 100}%`);
  if (procs.length) evidence.push(`busiest: ${procs.slice(0, 4).map(fmt).join(', ')}`);
  if (others && others.cpuAvgPct >= 10) evidence.push(`other processes on the box ${others.cpuAvgPct.toFixed(0)}%`);
  const loop = Math.max(0, ...instances.map((i) => i.eventLoopP99Ms ?? 0));
  evidence.push(`API event-loop delay p99 up to ${loop.toFixed(0)} ms`);
  const waiting = Math.max(0, ...instances.map((i) => i.poolWaiting ?? 0));
  const poolFull = instances.some((i) => i.poolTotal !== undefined && i.poolMax !== undefined && i.poolTotal >= i.poolMax);
  evidence.push(`DB pool: ${waiting} requests waiting at peak${poolFull ? ', pool at its maximum' : ''}`);

  let verdict: string;
  const gen = procs.find((r) => r.name.startsWith('load generator'));
  const api = procs.filter((r) => r.name.startsWith('API'));
  const testTotal = procs.reduce((a, r) => a + r.cpuAvgPct, 0);
  const machineFull = !!machine && machine.cpuAvgPct >= cores * 100 * 0.9;
  // A handful of waiters at a 5-second sample is normal churn; a queue is a bottleneck.
  const poolExhausted = waiting >= 5 && poolFull;
  if (machineFull && others !== undefined && others.cpuAvgPct > testTotal) {
    // Checked first: when other work starves the stack, a full DB pool or a slow event loop is
    // a consequence (queries and callbacks wait for CPU), not the cause.
    verdict = `CPU of the machine, mostly taken by processes outside this test (${others.cpuAvgPct.toFixed(0)}% vs ${testTotal.toFixed(0)}% for the stack and generator): a contention limit, not the application's${poolExhausted ? '; the DB pool filled up as a consequence (queries waiting for CPU)' : ''}`;
  } else if (machineFull) {
    // Before the pool: the pool is small and fixed by design (as many connections as PostgreSQL
    // can run at once), so on a full machine requests queue for it because queries wait for CPU;
    // more connections would not have helped.
    const top = procs[0];
    verdict = `CPU of the machine (${top ? `${top.name} used the most` : 'all processes'}${gen && gen.cpuAvgPct >= 80 ? '; the load generator itself needed most of a core, so part of the limit is the test rig' : ''}${poolExhausted ? '; requests queued for a database connection as a consequence' : ''})`;
  } else if (poolExhausted) verdict = 'database connections (the pool was full and requests queued for a connection while the CPU had room)';
  else if (api.some((r) => r.cpuAvgPct >= 90)) verdict = 'CPU of an API instance (one Node.js event loop per instance is saturated)';
  else if (loop >= 100) verdict = 'the API event loop (blocked or starved while the CPU still had room)';
  else verdict = 'no single resource was exhausted; latency grew with queueing across processes';
  return `${verdict}. Evidence: ${evidence.join('; ')}.`;
}
