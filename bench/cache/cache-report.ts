import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';

export interface Result {
  name: string;
  path: string;
  requestsPerSec: number;
  /** Server CPU (user+system) per request: stable even when other work shares the cores. */
  serverCpuUsPerRequest: number | null;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  ratioOfCeiling?: number;
  cpuRatioOfCeiling?: number | null;
}

export interface Target {
  target: string;
  value: number;
  pass: boolean;
  /**
   * For "N x uncached" targets: the ratio a cached path as fast as the ceiling (bare Fastify
   * sending the same bytes) would reach, ceiling / uncached. A target above it cannot be met on
   * this machine by any cache; it says how cheap the uncached path already is.
   */
  bound?: number;
}

/** How the run was set up, for the report. */
export interface Setup {
  root: string;
  connections: number;
  seconds: number;
  seedScale: number;
  listBytes: number;
  loadAverageBefore: number[];
}

/** Fills in each result's ratios to the ceiling (results[0]) and checks the targets. */
export function scoreAgainstCeiling(results: Result[]): Target[] {
  const ceilingRps = results[0].requestsPerSec;
  const ceilingCpu = results[0].serverCpuUsPerRequest;
  for (const r of results) {
    r.ratioOfCeiling = Math.round((r.requestsPerSec / ceilingRps) * 1000) / 1000;
    // The same ratio in server CPU terms (ceiling CPU per request / this CPU per request).
    r.cpuRatioOfCeiling = ceilingCpu && r.serverCpuUsPerRequest ? Math.round((ceilingCpu / r.serverCpuUsPerRequest) * 1000) / 1000 : null;
  }
  const by = (name: string) => results.find((r) => r.name === name)!;
  const speedup = (a: string, b: string) => Math.round((by(a).requestsPerSec / by(b).requestsPerSec) * 10) / 10;
  const bound = (uncached: string) => Math.round((results[0].requestsPerSec / by(uncached).requestsPerSec) * 10) / 10;
  const targets = [
    { target: 'cached anonymous list >= 40% of ceiling', value: by('list, anonymous, cached').ratioOfCeiling!, pass: by('list, anonymous, cached').ratioOfCeiling! >= 0.4 },
    {
      target: 'cached anonymous list >= 5x uncached',
      value: speedup('list, anonymous, cached', 'list, anonymous, uncached'),
      pass: speedup('list, anonymous, cached', 'list, anonymous, uncached') >= 5,
      bound: bound('list, anonymous, uncached'),
    },
    {
      target: 'cached anonymous article >= 5x uncached',
      value: speedup('article, anonymous, cached', 'article, anonymous, uncached'),
      pass: speedup('article, anonymous, cached', 'article, anonymous, uncached') >= 5,
      bound: bound('article, anonymous, uncached'),
    },
    { target: 'signed-in cached list >= 25% of ceiling', value: by('list, signed in, cached').ratioOfCeiling!, pass: by('list, signed in, cached').ratioOfCeiling! >= 0.25 },
  ];
  return targets;
}

/** Prints the results and writes bench/results/cache.json and cache.md. */
export async function writeReport(results: Result[], targets: Target[], { root, connections: CONNECTIONS, seconds: SECONDS, seedScale: SCALE, listBytes, loadAverageBefore }: Setup): Promise<void> {
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const report = {
    date: new Date().toISOString(),
    machine,
    setup: {
      connections: CONNECTIONS,
      seconds: SECONDS,
      seedScale: SCALE,
      listBytes,
      loadAverageBefore,
      loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'autocannon and the server share the same cores (and any other work on the box: see load averages); rate limits on',
    },
    results,
    targets,
  };

  console.log('\nresults (ratio = req/s / ceiling req/s):');
  console.table(
    results.map((r) => ({
      scenario: r.name,
      'req/s': r.requestsPerSec,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      ratio: r.ratioOfCeiling,
      'cpu us/req': r.serverCpuUsPerRequest,
      'cpu ratio': r.cpuRatioOfCeiling,
      non2xx: r.non2xx,
    })),
  );
  for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value}${t.bound === undefined ? '' : ` (at most ${t.bound} here: ceiling / uncached)`}`);

  const md = [
    `# Read cache benchmark (${report.date})`,
    '',
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. autocannon ${CONNECTIONS} connections, ${SECONDS} s per scenario, on the same cores as the server. Seed scale ${SCALE}; list body ${report.setup.listBytes} bytes (20 articles). Command: \`npm run build && npm run bench:cache\`.`,
    '',
    `Load average before/after: ${report.setup.loadAverageBefore.join(', ')} / ${report.setup.loadAverageAfter.join(', ')} (anything above ~2 means other work shared the cores; the CPU columns are robust to it).`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio of ceiling (req/s) | server CPU us/req | ratio of ceiling (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratioOfCeiling} | ${r.serverCpuUsPerRequest} | ${r.cpuRatioOfCeiling} |`),
    '',
    '| target | measured | | best possible here (ceiling / uncached, for "x uncached" targets) |',
    '|---|---:|---|---:|',
    ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? 'pass' : 'MISS'} | ${t.bound ?? ''} |`),
    '',
  ].join('\n');
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/cache.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${root}bench/results/cache.md`, md);
  console.log('\nwrote bench/results/cache.json and bench/results/cache.md');
}
