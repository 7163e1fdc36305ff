import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '../environment.ts';
import { httpStatus } from '../scenario-runner.ts';

/** Polls /health/live and /health/ready of every instance directly every 250 ms. */
export function healthPoller(env: Environment) {
  let stopped = false;
  const r = { polls: 0, liveFailures: 0, liveMaxMs: 0, readyUnanswered: 0, readyMaxMs: 0, readyStatuses: {} as Record<string, number> };
  const loop = async () => {
    while (!stopped) {
      await Promise.all(
        env.stack.instances.map(async (h) => {
          let t = performance.now();
          const live = await httpStatus(`${h.url}/health/live`, 2_000);
          const liveMs = performance.now() - t;
          t = performance.now();
          const ready = await httpStatus(`${h.url}/health/ready`, 2_000);
          const readyMs = performance.now() - t;
          r.polls += 1;
          if (live !== 200) r.liveFailures += 1;
          r.liveMaxMs = Math.max(r.liveMaxMs, liveMs);
          if (ready === 0) r.readyUnanswered += 1;
          r.readyMaxMs = Math.max(r.readyMaxMs, readyMs);
          r.readyStatuses[ready] = (r.readyStatuses[ready] ?? 0) + 1;
        }),
      );
      await sleep(250);
    }
  };
  const done = loop();
  return {
    stop() {
      stopped = true;
      void done;
      return r;
    },
  };
}
