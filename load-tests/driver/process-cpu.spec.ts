import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { formatStackCpu } from '../shared/summary.ts';
import { CpuSampler, wakeupsOf } from './process-cpu.ts';

const children: ChildProcess[] = [];
const stopChildren = () => children.splice(0).forEach((c) => c.kill('SIGKILL'));
afterAll(stopChildren);

/**
 * A child that spins (busy), sleeps, or wakes every 2 ms (ticking), for at most 20 s; killed as
 * soon as the test has sampled it.
 */
function child(busy: boolean | 'ticking'): number {
  const code =
    busy === 'ticking'
      ? 'const t = setInterval(() => {}, 2); setTimeout(() => clearInterval(t), 20000);'
      : busy
        ? 'const end = Date.now() + 20000; while (Date.now() < end);'
        : 'setTimeout(() => {}, 20000);';
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

describe('CpuSampler stack CPU', () => {
  it('sums the groups marked as the stack, per sample, and leaves the others out', async () => {
    // Two busy processes, one of them outside the stack, and an idle one in it: a sum that took the
    // outside process in, or missed the busy member, would not match.
    const [a, b, outside] = [child(true), child(false), child(true)];
    const sampler = new CpuSampler(
      [
        { name: 'generator', pids: () => [outside] },
        { name: 'api', pids: () => [a], stack: true },
        { name: 'db', pids: () => [b], stack: true },
      ],
      2,
    );
    await sampler.start(100);
    for (let i = 0; i < 50 && sampler.mark() < 6; i++) await new Promise((r) => setTimeout(r, 100));
    sampler.stop();
    stopChildren();
    const n = sampler.mark();
    expect(n).toBeGreaterThanOrEqual(6);

    expect(sampler.stackGroups()).toEqual(['api', 'db']);
    const rows = sampler.rows(0);
    const avgOf = (name: string) => rows.find((r) => r.name === name)!.cpuAvgPct;
    const whole = sampler.stackCpu()!;
    expect(whole.samples).toBe(n);
    // The average of per-sample sums is the sum of the members' averages; the generator is not in it.
    expect(whole.avgPct).toBeCloseTo(avgOf('api') + avgOf('db'), 6);
    expect(whole.maxPct).toBeGreaterThanOrEqual(whole.avgPct);

    // A range covers only its samples: the halves average back to the whole.
    const half = Math.floor(n / 2);
    const first = sampler.stackCpu(0, half)!;
    const second = sampler.stackCpu(half)!;
    expect(first.samples + second.samples).toBe(n);
    expect((first.avgPct * first.samples + second.avgPct * second.samples) / n).toBeCloseTo(whole.avgPct, 6);
    expect(sampler.stackCpu(n)).toBeUndefined();
  });

  it('has no stack figure when no group is marked', async () => {
    const sampler = new CpuSampler([{ name: 'generator', pids: () => [process.pid] }], 2);
    await sampler.start(100);
    for (let i = 0; i < 30 && sampler.mark() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    sampler.stop();
    expect(sampler.stackCpu()).toBeUndefined();
    expect(sampler.stackGroups()).toEqual([]);
  });

  it('prints the full-strength figure in cores, against the budget only at the load it is for', () => {
    const c = { groups: ['API instance 1', 'PostgreSQL'], run: { avgPct: 41.2, maxPct: 70 }, budgetPct: 50, budgetUsers: 1000 };
    expect(formatStackCpu(c)).toEqual(['stack CPU (API instance 1, PostgreSQL):', '  over the run            avg 0.41 core  max 0.70 core']);
    const within = formatStackCpu({ ...c, fullStrength: { avgPct: 49.6, maxPct: 61, users: 1000 } });
    expect(within[2]).toBe('  at full strength (1000 users) avg 0.50 core  max 0.61 core  (within the 0.50 core budget for 1000 users)');
    const over = formatStackCpu({ ...c, fullStrength: { avgPct: 50.4, maxPct: 61, users: 1000 } });
    expect(over[2]).toContain('avg 0.50 core  max 0.61 core  (over the 0.50 core budget for 1000 users)');
    // A smoke run of 5 users is not judged against a budget for 1000.
    expect(formatStackCpu({ ...c, fullStrength: { avgPct: 8, maxPct: 14, users: 5 } })[2]).toBe('  at full strength (5 users) avg 0.08 core  max 0.14 core');
  });

  it('prints the CPU per request at full strength, and its multiple of the machine floor when one was measured', () => {
    const c = { groups: ['API instance 1'], run: { avgPct: 70, maxPct: 91 }, budgetPct: 50, budgetUsers: 1000 };
    const fullStrength = { avgPct: 79, maxPct: 91, users: 1000, rps: 424 };
    // 0.79 core for 424 req/s: 1863 µs of CPU a request.
    expect(formatStackCpu({ ...c, fullStrength })[3]).toBe('  per request at full strength 1863 µs (424 req/s)');
    const floor = { usPerRequest: 217, serversUsPerRequest: 117, lbUsPerRequest: 100, requests: 7500, users: 1000 };
    const withFloor = formatStackCpu({ ...c, fullStrength, floor })[3];
    expect(withFloor).toMatch(/^ {2}per request at full strength 1863 µs \(424 req\/s\): 8\.6x this machine's floor of 217 µs /);
    expect(withFloor).toContain('servers 117 µs, HAProxy 100 µs; measured before the run)');
    expect(formatStackCpu({ ...c, fullStrength, floor: { ...floor, otherPct: 4 } })[3]).toContain('measured before the run, other work 4% of a core)');
    // No request rate (a run that never reached full strength long enough), no per-request line.
    expect(formatStackCpu({ ...c, fullStrength: { avgPct: 79, maxPct: 91, users: 1000 }, floor })).toHaveLength(3);
    // A floor that answered nothing is no yardstick.
    expect(formatStackCpu({ ...c, fullStrength, floor: { ...floor, usPerRequest: 0 } })[3]).toBe('  per request at full strength 1863 µs (424 req/s)');
  });

  it('prints the multiple against the floor measured after the run, and a range when the two floors are far apart', () => {
    const c = { groups: ['API instance 1'], run: { avgPct: 70, maxPct: 91 }, budgetPct: 50, budgetUsers: 1000 };
    const fullStrength = { avgPct: 79, maxPct: 91, users: 1000, rps: 424 };
    const floor = { usPerRequest: 217, serversUsPerRequest: 117, lbUsPerRequest: 100, requests: 7500, users: 1000 };
    // Within a fifth: the second multiple, nothing more.
    const steady = formatStackCpu({ ...c, fullStrength, floor, floorAfter: { ...floor, usPerRequest: 240 } });
    expect(steady[4]).toBe('  7.8x the floor measured after the run (240 µs)');
    // 217 -> 310 µs: 43% apart, and the multiple is a range.
    const drifted = formatStackCpu({ ...c, fullStrength, floor, floorAfter: { ...floor, usPerRequest: 310 } });
    expect(drifted[4]).toBe("  6.0x the floor measured after the run (310 µs): the two floors differ by 43%, so read the stack's multiple as between 6.0x and 8.6x");
    expect(formatStackCpu({ ...c, fullStrength, floor, floorAfter: { ...floor, usPerRequest: 150 } })[4]).toContain('the two floors differ by -31%, so read the stack');
    // Without a floor before the run, the one after it is not printed on its own.
    expect(formatStackCpu({ ...c, fullStrength, floorAfter: floor })).toHaveLength(4);
  });

  it('prints the wakeups one request costs the stack, by group, leaving out groups with next to none', () => {
    const c = { groups: ['API instance 1', 'PostgreSQL', 'worker'], run: { avgPct: 70, maxPct: 91 }, budgetPct: 50, budgetUsers: 1000 };
    const wakeups = {
      perRequest: 7.42,
      byGroup: [
        { name: 'API instance 1', perRequest: 4.4 },
        { name: 'PostgreSQL', perRequest: 3 },
        { name: 'worker', perRequest: 0.02 },
      ],
    };
    const lines = formatStackCpu({ ...c, fullStrength: { avgPct: 79, maxPct: 91, users: 1000, rps: 424, wakeups } });
    expect(lines[4]).toBe('  wakeups per request at full strength 7.4 (threads that slept and were woken: API instance 1 4.4, PostgreSQL 3.0)');
  });
});

describe('wakeup counts', () => {
  it('counts the times a process slept and was woken: many for one that ticks, next to none for one that spins, none once it has gone', async () => {
    const [ticking, spinning] = [child('ticking'), child(true)];
    const sampler = new CpuSampler(
      [
        { name: 'ticking', pids: () => [ticking], stack: true },
        { name: 'spinning', pids: () => [spinning], stack: true },
      ],
      2,
    );
    await new Promise((r) => setTimeout(r, 300)); // both started
    await sampler.start(200);
    for (let i = 0; i < 50 && sampler.mark() < 5; i++) await new Promise((r) => setTimeout(r, 100));
    sampler.stop();
    const w = sampler.stackWakeups()!;
    const of = (name: string) => w.byGroup.find((g) => g.name === name)!.perSecond;
    // A 2 ms interval sleeps and wakes up to 500 times a second; a spinning thread only when preempted
    // (involuntary switches are not counted) or when a helper thread of its runtime does some work.
    expect(of('ticking')).toBeGreaterThan(25); // loosely: a starved child on a busy box still wakes every few tens of ms
    expect(of('spinning')).toBeLessThan(of('ticking') / 4);
    expect(w.perSecond).toBeCloseTo(of('ticking') + of('spinning'), 6);
    stopChildren();
    // Gone once reaped (the kill is asynchronous): wait for that, bounded.
    for (let i = 0; i < 50 && wakeupsOf(ticking) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
    expect(wakeupsOf(ticking)).toBeUndefined();
  });
});
