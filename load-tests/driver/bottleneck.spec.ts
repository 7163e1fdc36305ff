import { describe, expect, it } from 'vitest';
import type { StressLevel } from '../shared/summary.ts';
import { diagnoseBottleneck } from './bottleneck.ts';

const level = (cpu: Record<string, number>): StressLevel => ({
  users: 5000,
  pass: false,
  requests: 1,
  failedRate: 0,
  failed: [],
  resources: Object.entries(cpu).map(([name, pct]) => ({ name, pids: [], cpuAvgPct: pct, cpuMaxPct: pct })),
});

describe('what ran out first', () => {
  it('names a full database pool with waiting requests', () => {
    const text = diagnoseBottleneck(level({ 'API instance 1': 60, 'whole machine (2 cores)': 120 }), [{ poolTotal: 20, poolMax: 20, poolWaiting: 14, eventLoopP99Ms: 20 }], 2);
    expect(text).toMatch(/^database connections/);
    expect(text).toContain('14 requests waiting');
  });

  it('names the machine CPU, not the pool, when the pool queued on a full machine', () => {
    const text = diagnoseBottleneck(
      level({ PostgreSQL: 35, 'API instance 1': 43, 'API instance 2': 42, 'whole machine (2 cores)': 199, 'everything else': 10 }),
      [{ poolTotal: 6, poolMax: 6, poolWaiting: 26 }],
      2,
    );
    expect(text).toMatch(/^CPU of the machine \(API instance 1 used the most; requests queued for a database connection as a consequence\)/);
  });

  it('does not blame the pool for a few waiters when the machine CPU is exhausted', () => {
    const text = diagnoseBottleneck(
      level({ PostgreSQL: 58, 'API instance 1': 38, 'API instance 2': 42, 'whole machine (2 cores)': 198, 'everything else': 21 }),
      [{ poolTotal: 20, poolMax: 20, poolWaiting: 3 }],
      2,
    );
    expect(text).toMatch(/^CPU of the machine \(PostgreSQL used the most\)/);
  });

  it('names the machine CPU and the process that used most of it', () => {
    const text = diagnoseBottleneck(
      level({ 'load generator (this process)': 70, 'API instance 1': 95, 'API instance 2': 25, 'whole machine (2 cores)': 196, 'everything else': 6 }),
      [{ eventLoopP99Ms: 180, poolWaiting: 0 }],
      2,
    );
    expect(text).toMatch(/^CPU of the machine \(API instance 1 used the most\)/);
    expect(text).toContain('whole machine CPU 196% of 200%');
    expect(text).toContain('event-loop delay p99 up to 180 ms');
  });

  it('says so when processes outside the test took the CPU', () => {
    const text = diagnoseBottleneck(level({ 'API instance 1': 14, 'API instance 2': 14, 'whole machine (2 cores)': 200, 'everything else': 161 }), [{ eventLoopP99Ms: 450 }], 2);
    expect(text).toMatch(/^CPU of the machine, mostly taken by processes outside this test \(161% vs 28%/);
    const withPool = diagnoseBottleneck(level({ 'API instance 1': 20, 'whole machine (2 cores)': 200, 'everything else': 139 }), [{ poolTotal: 32, poolMax: 32, poolWaiting: 40 }], 2);
    expect(withPool).toMatch(/contention limit, not the application's; the DB pool filled up as a consequence/);
  });

  it('names a blocked event loop when the CPU still had room', () => {
    expect(diagnoseBottleneck(level({ 'API instance 1': 40, 'whole machine (2 cores)': 90 }), [{ eventLoopP99Ms: 400 }], 2)).toMatch(/^the API event loop/);
  });
});
