// `npm run loadtest:login-storm`: how many password sign-ins per second this box takes. Each
// sign-in is an argon2id hash (~26 ms of CPU, by design: it is what makes a stolen password
// table expensive to crack), so sign-ins have their own ceiling, far below that of reads; the
// stress run keeps them at a realistic rate and this scenario measures them on purpose.
// Starts the stress run's stack and database (5000 load-test accounts), then opens sign-ins at
// a fixed arrival rate (open model: a slow server does not slow the generator) in levels of
// STORM_LEVEL_S (10 s) each: 10, 20, 30, 40, 50, 60, 80 sign-ins/s (STORM_RATES). Each sign-in
// uses the next account and one of 249 loopback addresses, so neither the per-account nor the
// per-address login limit refuses them below ~80/s. A level passes when >= 99% answer 200 and
// the p95 is <= 1000 ms (a person waits a second for a sign-in, not for a page). It stops at
// the first failing level and ends with one line:
// `login storm: <N> sign-ins/s sustained (<resource> ran out first at <M>/s)`.
import { cpus } from 'node:os';
import { CpuSampler } from './process-cpu.ts';
import { SourceAddressPool, sendHttp } from './http-client.ts';
import { loginCall } from '../shared/journeys.ts';
import { REPO, startLoadTestStack } from './stack.ts';

const env = process.env;
const log = (line: string) => console.log(`[loadtest:login-storm] ${line}`);
const databaseUrl = env.LOADTEST_STRESS_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit_loadtest_stress';
const ACCOUNTS = 5000;
const RATES = (env.STORM_RATES || '10,20,30,40,50,60,80').split(',').map(Number);
const LEVEL_S = Number(env.STORM_LEVEL_S || '10');
const MAX_OUTSTANDING = 2_000;
const P95_BUDGET_MS = 1_000;

interface Level {
  rate: number;
  sent: number;
  ok: number;
  achievedPerS: number;
  p50: number;
  p95: number;
  statuses: Record<string, number>;
  cpu: Array<{ name: string; pct: number }>;
  pass: boolean;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN);

async function runLevel(baseUrl: string, pool: SourceAddressPool, rate: number, nextAccount: () => number, sampler: CpuSampler): Promise<Level> {
  const mark = sampler.mark();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let outstanding = 0;
  const started = performance.now();
  const total = rate * LEVEL_S;
  for (let i = 0; i < total; i++) {
    const at = started + (i * 1000) / rate;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (outstanding >= MAX_OUTSTANDING) {
      statuses['not sent (generator cap)'] = (statuses['not sent (generator cap)'] ?? 0) + 1;
      continue;
    }
    const n = nextAccount();
    const email = `loadtest-${String(n).padStart(4, '0')}@load.test`;
    outstanding++;
    pending.push(
      sendHttp(baseUrl, pool.agentFor(n), loginCall(email, 'loadtest-password'), undefined, 10_000).then((res) => {
        outstanding--;
        const key = res.status === 0 ? (res.error ?? 'no answer') : String(res.status);
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (res.status === 200) latencies.push(res.ms);
      }),
    );
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = statuses['200'] ?? 0;
  const rows = sampler.rows(mark);
  const level: Level = {
    rate,
    sent: total,
    ok,
    achievedPerS: ok / elapsedS,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    statuses,
    cpu: rows.map((r) => ({ name: r.name, pct: r.cpuAvgPct })),
    pass: ok >= 0.99 * total && pct(latencies, 95) <= P95_BUDGET_MS,
  };
  return level;
}

const t0 = Date.now();
const sut = await startLoadTestStack({ instances: 2, databaseUrl, seedScale: 0.5, loadTestAccounts: ACCOUNTS, reseed: env.LOADTEST_RESEED === '1', config: 'lab', log });
const levels: Level[] = [];
try {
  const sampler = new CpuSampler(sut.target.groups, cpus().length);
  await sampler.start(1_000);
  const pool = new SourceAddressPool();
  let account = 0;
  const nextAccount = () => (account++ % ACCOUNTS) + 1;
  for (const rate of RATES) {
    const level = await runLevel(sut.stack.urls.lb, pool, rate, nextAccount, sampler);
    levels.push(level);
    const cpu = level.cpu
      .filter((c) => c.pct >= 5)
      .map((c) => `${c.name} ${c.pct.toFixed(0)}%`)
      .join(', ');
    log(
      `${rate} sign-ins/s offered: ${level.achievedPerS.toFixed(1)}/s answered 200, p50 ${level.p50.toFixed(0)} ms, p95 ${level.p95.toFixed(0)} ms, ${JSON.stringify(level.statuses)} -> ${level.pass ? 'PASS' : 'FAIL'} | CPU ${cpu}`,
    );
    if (!level.pass) break;
    await new Promise((r) => setTimeout(r, 3_000)); // let the queue drain between levels
  }
  sampler.stop();
  await pool.close();
} finally {
  await sut.stop();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s (repository ${REPO})`);
}
const passed = levels.filter((l) => l.pass);
const failed = levels.find((l) => !l.pass);
const best = passed.length ? passed[passed.length - 1] : undefined;
const busiest = failed?.cpu.filter((c) => !c.name.startsWith('whole machine') && c.name !== 'everything else').sort((a, b) => b.pct - a.pct)[0];
const machine = failed?.cpu.find((c) => c.name.startsWith('whole machine'));
const resource = !failed
  ? 'nothing'
  : machine && machine.pct >= cpus().length * 100 * 0.85
    ? `CPU of the machine (${machine.pct.toFixed(0)}% of ${cpus().length * 100}%, ${busiest?.name} ${busiest?.pct.toFixed(0)}%)`
    : `no CPU limit (${busiest?.name} ${busiest?.pct.toFixed(0)}%, answers ${JSON.stringify(failed.statuses)})`;
console.log(`login storm: ${best ? best.achievedPerS.toFixed(0) : 0} sign-ins/s sustained (${resource} ran out first${failed ? ` at ${failed.rate}/s offered` : ''})`);
process.exit(best ? 0 : 1);
