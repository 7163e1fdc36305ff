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
  /** req/s in each round (combineRounds). */
  perRound?: number[];
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
  /** The ratio in each round; `value` is their median. */
  perRound?: number[];
}

/** How the run was set up, for the report. */
export interface Setup {
  root: string;
  connections: number;
  seconds: number;
  rounds: number;
  seedScale: number;
  listBytes: number;
  loadAverageBefore: number[];
}

const round1 = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const TARGETS: Array<{ target: string; threshold: number; ratio: [string, string] }> = [
  { target: 'cached anonymous list >= 40% of ceiling', threshold: 0.4, ratio: ['list, anonymous, cached', 'ceiling'] },
  { target: 'cached anonymous list >= 5x uncached', threshold: 5, ratio: ['list, anonymous, cached', 'list, anonymous, uncached'] },
  { target: 'cached anonymous article >= 5x uncached', threshold: 5, ratio: ['article, anonymous, cached', 'article, anonymous, uncached'] },
  { target: 'signed-in cached list >= 25% of ceiling', threshold: 0.25, ratio: ['list, signed in, cached', 'ceiling'] },
];

/**
 * Combines interleaved rounds (each: the ceiling first, then every scenario, all measured within
 * a minute of each other) into one result per scenario and the targets. Every ratio is taken
 * within a round, then the median over rounds is reported: a box whose speed drifts (other tenants,
 * frequency changes) moves a round's ceiling and scenarios together, so the ratios stay put while
 * the raw req/s do not. Each scenario's figures are the medians of its rounds.
 * Tested in bench/cache/cache-report.spec.ts.
 */
export function combineRounds(rounds: Result[][]): { results: Result[]; targets: Target[] } {
  const rps = (round: Result[], name: string) => {
    const found = name === 'ceiling' ? round[0] : round.find((r) => r.name === name);
    if (!found) throw new Error(`no result named ${name}`);
    return found.requestsPerSec;
  };
  const cpu = (round: Result[], i: number) => round[i].serverCpuUsPerRequest;
  const results = rounds[0].map((first, i): Result => {
    const cpus = rounds.map((round) => cpu(round, i)).filter((c): c is number => c !== null);
    const cpuRatios = rounds.map((round) => (cpu(round, 0) && cpu(round, i) ? cpu(round, 0)! / cpu(round, i)! : null)).filter((c): c is number => c !== null);
    return {
      name: first.name,
      path: first.path,
      requestsPerSec: Math.round(median(rounds.map((round) => round[i].requestsPerSec))),
      serverCpuUsPerRequest: cpus.length ? Math.round(median(cpus)) : null,
      p50Ms: median(rounds.map((round) => round[i].p50Ms)),
      p99Ms: median(rounds.map((round) => round[i].p99Ms)),
      non2xx: rounds.reduce((sum, round) => sum + round[i].non2xx, 0),
      errors: rounds.reduce((sum, round) => sum + round[i].errors, 0),
      ratioOfCeiling: round1(median(rounds.map((round) => round[i].requestsPerSec / round[0].requestsPerSec)), 3),
      cpuRatioOfCeiling: cpuRatios.length ? round1(median(cpuRatios), 3) : null,
      perRound: rounds.map((round) => round[i].requestsPerSec),
    };
  });
  const targets = TARGETS.map(({ target, threshold, ratio: [a, b] }): Target => {
    const values = rounds.map((round) => rps(round, a) / rps(round, b));
    const value = round1(median(values), b === 'ceiling' ? 3 : 1);
    // For "x uncached": what a cached path as fast as the ceiling would reach in the same rounds.
    const bound = b === 'ceiling' ? undefined : round1(median(rounds.map((round) => rps(round, 'ceiling') / rps(round, b))), 1);
    return { target, value, pass: median(values) >= threshold, bound, perRound: values.map((v) => round1(v, 3)) };
  });
  return { results, targets };
}

/** Prints the results and writes bench/results/cache.json and cache.md. */
export async function writeReport(
  results: Result[],
  targets: Target[],
  { root, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, seedScale: SCALE, listBytes, loadAverageBefore }: Setup,
): Promise<void> {
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
      rounds: ROUNDS,
      seedScale: SCALE,
      listBytes,
      loadAverageBefore,
      loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'autocannon and the server share the same cores (and any other work on the box: see load averages); rate limits on',
    },
    results,
    targets,
  };

  printResults(results);
  for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value}${t.bound === undefined ? '' : ` (at most ${t.bound} here: ceiling / uncached)`}`);

  const md = [
    `# Read cache benchmark (${report.date})`,
    '',
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. autocannon ${CONNECTIONS} connections, ${SECONDS} s per scenario (after 1 s of warm-up), on the same cores as the server; ${ROUNDS} interleaved rounds (the ceiling, then every scenario), each figure the median of its rounds and each ratio the median of the ratios within a round. Seed scale ${SCALE}; list body ${report.setup.listBytes} bytes (20 articles). Command: \`npm run build && npm run bench:cache\`.`,
    '',
    `Load average before/after: ${report.setup.loadAverageBefore.join(', ')} / ${report.setup.loadAverageAfter.join(', ')} (anything above ~2 means other work shared the cores; the CPU columns are robust to it).`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio of ceiling (req/s) | server CPU us/req | ratio of ceiling (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratioOfCeiling} | ${r.serverCpuUsPerRequest} | ${r.cpuRatioOfCeiling} |`),
    '',
    '| target | measured (median) | | each round | best possible here (ceiling / uncached, for "x uncached" targets) |',
    '|---|---:|---|---|---:|',
    ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? 'pass' : 'MISS'} | ${(t.perRound ?? []).join(', ')} | ${t.bound ?? ''} |`),
    '',
  ].join('\n');
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/cache.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${root}bench/results/cache.md`, md);
  console.log('\nwrote bench/results/cache.json and bench/results/cache.md');
}

function printResults(results: Result[]): void {
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
}
