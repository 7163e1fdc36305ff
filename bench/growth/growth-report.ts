// The report of bench:growth (growth.bench.ts): ratios 1M / 50k per endpoint, the verdict, and
// bench/results/growth.{md,json}.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';

export const TARGET = 1.5;
/** p99 below this is timer noise: ratios are taken against at least this. */
export const P99_FLOOR_MS = 2;
/** Buffer counts below this are compared against it (a 2 -> 3 buffer change is not growth). */
export const BUFFERS_FLOOR = 10;

export interface Measured {
  p50Ms: number;
  p99Ms: number;
  /** p99 of the repeat series: every request sent again right after, same data, same run. */
  p99AgainMs: number;
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
    `| endpoint | uncached p50 ${small} / ${large} ms | uncached p99 ${small} / ${large} ms | repeat p99 ${small} / ${large} ms | p99 ratio | buffers/req ${small} / ${large} | buffers ratio | API CPU/req ${small} / ${large} us | cached p50 ${small} / ${large} ms | cached p99 ${small} / ${large} ms | cached CPU/req ${small} / ${large} us |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const u = [row.uncached[small], row.uncached[large]];
    const c = [row.cached[small], row.cached[large]];
    if (!u[0] || !u[1] || !c[0] || !c[1]) continue;
    // Each size has two interleaved p99 estimates of the same data (the series and its repeat).
    // A stall of the box raises one of them; a tail that comes from the data raises both. So each
    // size is judged by its lower estimate, on both sides alike.
    const tail = (m: Measured) => Math.min(m.p99Ms, m.p99AgainMs);
    const p99Ratio = ratio(tail(u[1]), tail(u[0]), P99_FLOOR_MS);
    const bufRatio = ratio(u[1].buffersPerRequest, u[0].buffersPerRequest, BUFFERS_FLOOR);
    for (const [r, what] of [
      [p99Ratio, 'p99'],
      [bufRatio, 'buffers'],
    ] as const) {
      if (r > worst) [worst, worstName] = [r, `${row.name} (${what})`];
    }
    lines.push(
      `| ${row.name} | ${u[0].p50Ms} / ${u[1].p50Ms} | ${u[0].p99Ms} / ${u[1].p99Ms} | ${u[0].p99AgainMs} / ${u[1].p99AgainMs} | ${p99Ratio} | ${u[0].buffersPerRequest} / ${u[1].buffersPerRequest} | ${bufRatio} | ${u[0].cpuUsPerRequest} / ${u[1].cpuUsPerRequest} | ${c[0].p50Ms} / ${c[1].p50Ms} | ${c[0].p99Ms} / ${c[1].p99Ms} | ${c[0].cpuUsPerRequest} / ${c[1].cpuUsPerRequest} |`,
    );
    console.log(
      `${row.name.padEnd(44)} p99 ${u[0].p99Ms} -> ${u[1].p99Ms} ms (repeat ${u[0].p99AgainMs} -> ${u[1].p99AgainMs} ms, x${p99Ratio}), buffers ${u[0].buffersPerRequest} -> ${u[1].buffersPerRequest} (x${bufRatio}), cached p99 ${c[0].p99Ms} -> ${c[1].p99Ms} ms`,
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
    `Every request is sent twice in a row (the measured series and its repeat, same data), so each size has two independent p99 estimates ("repeat p99" column). A stall of the box raises one of them; a tail that comes from the data raises both. The p99 ratio is 1M / 50k of the lower estimate of each size, with a floor of ${P99_FLOOR_MS} ms; the buffers ratio has a floor of ${BUFFERS_FLOOR} buffers (a 2 -> 3 buffer change is not growth). p50, CPU and buffers are over both series.`,
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
