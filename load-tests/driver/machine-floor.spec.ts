import { describe, expect, it } from 'vitest';
import { cpuTicksOf } from './process-cpu.ts';
import { cheapest, measureMachineFloor, measurePhase, startFloorRig, type FloorPhase, type FloorPorts } from './machine-floor.ts';

// Ports of their own, so a `npm run bench:floor` on the same box does not collide with the suite.
const PORTS: FloorPorts = { lb: 4160, servers: [4161, 4162] };

describe('machine floor (two bare node:http servers behind a real HAProxy)', () => {
  it('counts the requests its clients had answered and stops every process it started', async () => {
    const rig = await startFloorRig(PORTS);
    const pids = [...rig.serverPids, rig.lbPid];
    try {
      const phase = await measurePhase(rig, async () => {
        let ok = 0;
        for (let i = 0; i < 40; i++) if ((await fetch(rig.url)).status === 200) ok++;
        return ok;
      });
      expect(phase.requests).toBe(40);
      expect(phase.serversUsPerRequest).toBeGreaterThanOrEqual(0);
      expect(phase.lbUsPerRequest).toBeGreaterThanOrEqual(0);
      // One request at a time: HAProxy sleeps between the client's request and the server's answer,
      // and the server between requests, so each request wakes them more than once in all.
      expect(phase.wakeupsPerRequest).toBeGreaterThan(1);
      // Both servers are up behind it.
      const served = await Promise.all(PORTS.servers.map((p) => fetch(`http://127.0.0.1:${p}/api/articles`).then((r) => r.status)));
      expect(served).toEqual([200, 200]);
    } finally {
      await rig.stop();
    }
    expect(pids.map((pid) => cpuTicksOf(pid))).toEqual([undefined, undefined, undefined]);
  }, 30_000);

  it('measures sparse users at the gate pace and sums servers and HAProxy into the floor', async () => {
    const floor = await measureMachineFloor({ users: 20, seconds: 4, windowS: 2, warmupS: 1, ports: PORTS });
    // The window lasted at least its 2 s, answered something, and no more than its 20 users can send:
    // each waits at least 1 s after an answer before its next request.
    expect(floor.seconds).toBeGreaterThanOrEqual(1.9);
    expect(floor.requests).toBeGreaterThan(0);
    expect(floor.requests).toBeLessThanOrEqual(20 * (Math.ceil(floor.seconds) + 1));
    expect(floor.otherPct).toBeGreaterThanOrEqual(0);
    expect(floor.users).toBe(20);
    expect(floor.usPerRequest).toBe(floor.serversUsPerRequest + floor.lbUsPerRequest);
  }, 30_000);

  it('keeps the window whose requests cost least, never one that answered nothing', () => {
    const w = (requests: number, servers: number, lb: number): FloorPhase => ({ requests, seconds: 3, serversUsPerRequest: servers, lbUsPerRequest: lb, wakeupsPerRequest: 3, otherPct: 0 });
    const busy = w(1500, 223, 137);
    const quiet = w(1490, 124, 91);
    const empty = w(0, 0, 0);
    expect(cheapest([busy, quiet, w(1510, 130, 95)])).toBe(quiet);
    expect(cheapest([empty, busy])).toBe(busy);
    expect(cheapest([busy])).toBe(busy);
  });
});
