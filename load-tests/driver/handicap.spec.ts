import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startHandicap } from './handicap.ts';

/** utime + stime of a process in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The handicap tops the generator up to `cores`: a driver that already burns more than that gets
 * no burner on top. Asserted as an upper bound on the burner's CPU time (a busy box can only make
 * it lower), so the test cannot flake on load; without the top-up the burner would use ~0.5 of
 * `elapsed` here.
 */
describe.runIf(process.platform === 'linux')('generator handicap', () => {
  it("counts the driver's own CPU toward the target: a driver using a whole core gets no burner CPU", async () => {
    const driver = spawn(process.execPath, ['-e', 'const end = Date.now() + 4000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const handicap = startHandicap(0.5, driver.pid!);
    const pids = handicap.pids();
    expect(pids).toHaveLength(1);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const burnerMs = cpuMs(pids[0]);
    const elapsedMs = performance.now() - t0;
    await handicap.stop();
    driver.kill();
    // Node's own start-up takes some CPU (~100 ms); the burn itself must be ~0.
    expect(burnerMs).toBeLessThan(elapsedMs * 0.15);
  });

  it('stops once, and a second stop() is a no-op rather than a wait for an exit that already happened', async () => {
    const handicap = startHandicap(0.2);
    expect(handicap.pids()).toHaveLength(1);
    await handicap.stop(); // SIGTERM: the burner ends by a signal, so its exitCode stays null
    expect(handicap.pids()).toEqual([]);
    const again = await Promise.race([handicap.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 5_000))]);
    expect(again).toBe('stopped');
  });
});
