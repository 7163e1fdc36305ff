// The report of bench:growth (growth.bench.ts): ratios 1M / 50k per endpoint, the verdict, and
// bench/results/growth.{md,json}.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';

export const TARGET = 1.5;
/** p99 below this is timer noise on a shared box: ratios are taken against at least this. */
export const P99_FLOOR_MS = 2;
/** Buffer counts below this are compared against it (a 2 -> 3 buffer change is not growth). */
export const BUFFERS_FLOOR = 10;

export interface Measured {
  p50Ms: number;
  p99Ms: number;
  /** p99 of GET /health/live (no database, no cache) sent alongside, in the same run. */
  noiseP99Ms: number;
  cpuUsPerRequest: number | null;
  buffersPerRequest: number | null;
}

export type Row = { name: string; uncached: Record<string, Measured>; cached: Record<string, Measured> };

/** How the run was made (for the report's header). */
export interface RunShape {
  root: string;
  /** Size labels, smaller first. */
  sizes: [string, string];
  requests: number;
  warmup: number;
  shortRun: number;
}

function ratio(large: number | null, small: number | null, floor: number): number {
  if (large === null || small === null) return 1;
  return Math.round((Math.max(large, floor) / Math.max(small, floor)) * 100) / 100;
}

/** Prints one line per endpoint and the verdict; writes bench/results/growth.{md,json}. Sets a failing exit code on FAIL. */
export async function writeGrowthReport(rows: Row[], seeding: Record<string, string>, otherCpu: number, run: RunShape): Promise<void> {
  const { root, requests: REQUESTS, warmup: WARMUP, shortRun: SHORT_RUN } = run;
  const [small, large] = run.sizes;
  const lines: string[] = [];
  let worst = 0;
  let worstName = '';
  lines.push(
    `| endpoint | uncached p50 ${small} / ${large} ms | uncached p99 ${small} / ${large} ms | noise p99 ${small} / ${large} ms | p99 ratio | buffers/req ${small} / ${large} | buffers ratio | API CPU/req ${small} / ${large} us | cached p50 ${small} / ${large} ms | cached p99 ${small} / ${large} ms | cached CPU/req ${small} / ${large} us |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const u = [row.uncached[small], row.uncached[large]];
    const c = [row.cached[small], row.cached[large]];
    if (!u[0] || !u[1] || !c[0] || !c[1]) continue;
    // Floor: 2 ms, or what a no-work request's p99 was in the same run if higher (the box's noise).
    const noiseFloorMs = Math.max(P99_FLOOR_MS, u[0].noiseP99Ms, u[1].noiseP99Ms);
    const p99Ratio = ratio(u[1].p99Ms, u[0].p99Ms, noiseFloorMs);
    const bufRatio = ratio(u[1].buffersPerRequest, u[0].buffersPerRequest, BUFFERS_FLOOR);
    for (const [r, what] of [
      [p99Ratio, 'p99'],
      [bufRatio, 'buffers'],
    ] as const) {
      if (r > worst) [worst, worstName] = [r, `${row.name} (${what})`];
    }
    lines.push(
      `| ${row.name} | ${u[0].p50Ms} / ${u[1].p50Ms} | ${u[0].p99Ms} / ${u[1].p99Ms} | ${u[0].noiseP99Ms} / ${u[1].noiseP99Ms} | ${p99Ratio} | ${u[0].buffersPerRequest} / ${u[1].buffersPerRequest} | ${bufRatio} | ${u[0].cpuUsPerRequest} / ${u[1].cpuUsPerRequest} | ${c[0].p50Ms} / ${c[1].p50Ms} | ${c[0].p99Ms} / ${c[1].p99Ms} | ${c[0].cpuUsPerRequest} / ${c[1].cpuUsPerRequest} |`,
    );
    console.log(
      `${row.name.padEnd(44)} p99 ${u[0].p99Ms} -> ${u[1].p99Ms} ms (x${p99Ratio}, noise p99 ${noiseFloorMs} ms), buffers ${u[0].buffersPerRequest} -> ${u[1].buffersPerRequest} (x${bufRatio}), cached p99 ${c[0].p99Ms} -> ${c[1].p99Ms} ms`,
    );
  }
  const verdict = worst <= TARGET ? `PASS ${worst}` : `FAIL ${worst}`;
  console.log(`${verdict} (worst: ${worstName}; target ${TARGET}x)`);
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on loopback`;
  const md = [
    '# Read cost against data size (npm run bench:growth)',
    '',
    `Measured ${new Date().toISOString()} on ${machine}; other work used ${Math.round(otherCpu * 100)}% of the box's CPU during the run.`,
    `Lived-in seed profile at 50k and 1M articles (same skew). ${REQUESTS} sequential requests per endpoint after ${WARMUP} warm-up ones, the two sizes alternating request by request; uncached = CACHE_ENABLED=false (every request reaches PostgreSQL), cached = CACHE_ENABLED=true.`,
    `Buffers per request = blks_hit + blks_read of the database (pg_stat_database): (measured run - a ${SHORT_RUN}-request run) / (${REQUESTS} - ${SHORT_RUN}) requests, so the reconnection that reading the counters forces cancels out; every statement of the request, including the feed statistics and the signed-in flags.`,
    `Ratios are 1M / 50k with floors of ${BUFFERS_FLOOR} buffers and, for p99, ${P99_FLOOR_MS} ms or the p99 of GET /health/live (no database, no cache) sent after every measured request in the same run, whichever is higher ("noise p99" column): below them the difference is the box, not the data.`,
    '',
    ...Object.entries(seeding).map(([k, v]) => `- seed ${k}: ${v}`),
    '',
    ...lines,
    '',
    `**${verdict}** (worst: ${worstName}; target: uncached p99 and buffers per request at 1M within ${TARGET}x of 50k for every endpoint).`,
    '',
  ].join('\n');
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/growth.md`, md);
  await writeFile(`${root}bench/results/growth.json`, JSON.stringify({ verdict, worst, worstName, rows, seeding, otherCpu }, null, 2));
  if (worst > TARGET) process.exitCode = 1;
}
