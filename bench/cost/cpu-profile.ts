// Reads V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per process) and sums self time per
// frame inside a time window. Profile timestamps are CLOCK_MONOTONIC microseconds, the same clock
// as process.hrtime in the benchmark, so the window is the benchmark's measured hold only
// (startup, seeding and the ramp's sign-ins are left out).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameCost {
  /** `function file:line` (file relative to node_modules or the repository). */
  frame: string;
  /** Package or area: a node_modules package, `app:<folder>`, `node:<module>`, or a V8 pseudo-frame. */
  area: string;
  selfUs: number;
}

export interface ProfileWindow {
  /** Microseconds on the monotonic clock (process.hrtime.bigint() / 1000n). */
  fromUs: number;
  toUs: number;
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const repo = url.search(/\/(apps|libs)\//);
  if (repo >= 0) return url.slice(repo + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const app = /\/(apps\/[^/]+|libs\/[^/]+)\/(?:dist|src)\/([^/]+)/.exec(url);
  if (app) return `${app[1]}/${app[2].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return url.split('/')[0].replace(/^node:internal\//, 'node:');
  return shortUrl(url);
}

/** Self time per frame (and total busy time, idle excluded) of one profile inside the window. */
export function profileCosts(file: string, window: ProfileWindow): { frames: Map<string, FrameCost>; busyUs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frames = new Map<string, FrameCost>();
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < window.fromUs || t > window.toUs) continue;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    // A sample stands for the time since the previous one (the sampling interval, ~1 ms).
    const us = Math.min(delta, 10_000);
    busyUs += us;
    const name = functionName || '(anonymous)';
    const frame = url ? `${name} ${shortUrl(url)}:${lineNumber + 1}` : name;
    const cost = frames.get(frame) ?? { frame, area: areaOf(url, name), selfUs: 0 };
    cost.selfUs += us;
    frames.set(frame, cost);
  }
  return { frames, busyUs };
}

/** Sums several profiles (the API instances) into one list, largest self time first. */
export function mergeProfiles(files: string[], window: ProfileWindow): { frames: FrameCost[]; areas: Array<{ area: string; selfUs: number }>; busyUs: number } {
  const all = new Map<string, FrameCost>();
  let busyUs = 0;
  for (const file of files) {
    const one = profileCosts(file, window);
    busyUs += one.busyUs;
    for (const f of one.frames.values()) {
      const prev = all.get(f.frame);
      if (prev) prev.selfUs += f.selfUs;
      else all.set(f.frame, { ...f });
    }
  }
  const frames = [...all.values()].sort((a, b) => b.selfUs - a.selfUs);
  const areas = new Map<string, number>();
  for (const f of frames) areas.set(f.area, (areas.get(f.area) ?? 0) + f.selfUs);
  return { frames, areas: [...areas.entries()].map(([area, selfUs]) => ({ area, selfUs })).sort((a, b) => b.selfUs - a.selfUs), busyUs };
}
