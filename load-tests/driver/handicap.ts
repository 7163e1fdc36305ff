// `--handicap <cores>`: the cost of a real load generator on the box. A real k6 at 1000 VUs takes
// about half a core here, the Node driver 15-25%; a gate that passes only with the cheaper
// generator has no headroom for the tool users run. This tops the generator up to `cores` of CPU
// for the whole run: busy processes (at normal priority, like any generator, one per started core)
// burn what the driver itself did not use, so driver + burner together cost what k6 would. Without
// /proc (not Linux) the burner cannot see the driver and burns `cores` on top of it.
import { spawn, type ChildProcess } from 'node:child_process';

// Burns CPU TIME, not wall time: on a contended box a wall-clock duty cycle is descheduled
// mid-spin and burns far less than asked (measured: 9% of a core for a 50% target). This one
// tracks its own CPU usage and spins until it has used share x elapsed time.
// The driver's CPU counts toward the target: each of the N burners subtracts its 1/N of it.
const BURNER = `
const share = Number(process.argv[1]);
const generatorPid = Number(process.argv[2]);
const burners = Number(process.argv[3]);
const fs = require('node:fs');
// utime + stime of the driver in ms (clock ticks of 10 ms, USER_HZ = 100 on Linux).
const generatorMs = () => {
  try {
    const fields = fs.readFileSync('/proc/' + generatorPid + '/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch { return 0; }
};
const t0 = performance.now();
const c0 = process.cpuUsage();
const g0 = generatorMs();
const usedMs = () => { const u = process.cpuUsage(c0); return (u.user + u.system) / 1000; };
let sink = 0;
(function tick() {
  const target = share * (performance.now() - t0) - (generatorMs() - g0) / burners;
  const stop = performance.now() + 50;
  while (usedMs() < target && performance.now() < stop) for (let i = 0; i < 10000; i++) sink += i;
  setTimeout(tick, 10);
})();
process.on('disconnect', () => process.exit(sink > 0 ? 0 : 0));
`;

export interface Handicap {
  cores: number;
  pids(): number[];
  stop(): Promise<void>;
}

/** `generatorPid`: the driver whose own CPU counts toward `cores` (default: this process). */
export function startHandicap(cores: number, generatorPid = process.pid): Handicap {
  if (!Number.isFinite(cores) || cores < 0 || cores > 4) throw new Error(`--handicap must be 0..4 cores, got ${cores}`);
  const children: ChildProcess[] = [];
  const burners = Math.ceil(cores - 0.001);
  for (let left = cores; left > 0.001; left -= 1) {
    children.push(spawn(process.execPath, ['-e', BURNER, String(Math.min(1, left)), String(generatorPid), String(burners)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  }
  return {
    cores,
    pids: () => children.filter((c) => !exited(c) && c.pid).map((c) => c.pid!),
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (exited(c)) return resolve(); // stopped before: calling stop() again is a no-op
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** A child that has ended: by itself (exitCode) or by a signal (signalCode; exitCode stays null then). */
function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}
