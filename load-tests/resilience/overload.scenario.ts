// Overload without collapse: measures this stack's capacity, then offers 2x and 3x of it open-loop
// (open-loop.ts) on top of the suite's steady load, then drops back to half of it. Expected
// (admission at the balancer and in apps/api/src/traffic, readiness that ignores load): goodput
// >= 90% of peak, admitted p99 < 1 s, excess refused fast (503 + Retry-After), writes served, no
// exit, 0 DOWN transitions, latency normal within 10 s of the load dropping. Goodput is judged as
// work served (each good answer weighted by its endpoint's stack CPU, work-weights.ts): priority
// shedding keeps the expensive requests and turns away cheap anonymous reads, so the request count
// falls by design while the work done need not; the peak is the probe's best at up to the phase's
// offered load (work-weights.ts, peakWorkUpTo). Writes the per-second timeline for the charts.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountEmail } from '../shared/settings.ts';
import { figures, statusesByRoute, timeline } from './open-loop.ts';
import { OpenLoopGenerator } from './open-loop-thread.ts';
import { REPO } from './environment.ts';
import { articleSlugs, downTransitions, signIn } from './overload-setup.ts';
import { ADMITTED_P99_MS, fmt, GOODPUT_SHARE, overloadChecks, overloadFigures, RECOVERY_S, recoveryAfter, type OverloadTimeline, type OverloadVerdict } from './overload-verdict.ts';
import { check, type FaultContext, type FaultOutcome, type ScenarioSpec } from './scenario-runner.ts';
import { loadWorkWeights, peakWorkUpTo, workPerSecond, type WorkWeights } from './work-weights.ts';

export interface OverloadDurations {
  /** Seconds per capacity-probe step. */
  stepS: number;
  /** Seconds at 2x and at 3x. */
  overloadS: number;
  /** Seconds at half capacity after the overload (recovery window). */
  recoveryS: number;
}
export const OVERLOAD_FULL: OverloadDurations = { stepS: 5, overloadS: 20, recoveryS: 15 };
export const OVERLOAD_CI: OverloadDurations = { stepS: 3, overloadS: 10, recoveryS: 12 };

/** Capacity probe: offered rates (req/s), climbed until goodput stops following the offer. */
const PROBE_RATES = [100, 200, 300, 400, 550, 700, 900, 1150, 1450, 1800, 2200];

export type { OverloadTimeline };
export let lastOverloadTimeline: OverloadTimeline | undefined;

/** A measured stretch of the run (performance.now() basis). */
interface Window {
  from: number;
  to: number;
}

/** Drives the generator: holds a rate for a while, and marks where each phase starts on the timeline. */
function loadDriver(gen: OpenLoopGenerator) {
  const marks: OverloadTimeline['marks'] = [];
  const t0 = performance.now();
  return {
    marks,
    t0,
    mark: (label: string) => marks.push({ t: Math.round((performance.now() - t0) / 1000), label }),
    /** Holds `rate` for `seconds`, then (still at that rate) waits for the answers of what it sent. */
    async run(rate: number, seconds: number): Promise<Window> {
      gen.setRate(rate);
      const from = performance.now();
      await sleep(seconds * 1000);
      const to = performance.now();
      await gen.settled(to);
      return { from, to };
    },
  };
}
type LoadDriver = ReturnType<typeof loadDriver>;
/**
 * Capacity = peak goodput: climb until goodput stops growing (two steps without +5%). Not "the
 * first step that sheds": on a shared box one busy second must not set the capacity.
 */
async function probeCapacity(gen: OpenLoopGenerator, drive: LoadDriver, d: OverloadDurations, weights: WorkWeights | undefined, log: (line: string) => void) {
  drive.mark('capacity probe');
  const probe: OverloadTimeline['probe'] = [];
  let flat = 0;
  for (const rate of PROBE_RATES) {
    const w = await drive.run(rate, d.stepS);
    // Skip the first second of a step (the previous step's answers still arrive).
    const f = figures(gen.samples, w.from + 1000, w.to);
    const work = workPerSecond(gen.samples, w.from + 1000, w.to, weights);
    probe.push({ offered: Math.round(f.offered), goodput: Math.round(f.goodput), shedRate: f.shedRate, admittedP99: f.admittedP99, work });
    log(`overload: probe ${rate}/s -> goodput ${f.goodput.toFixed(0)}/s (work ${fmt(work, 2)} cores), shed ${(f.shedRate * 100).toFixed(1)}%, admitted p99 ${fmt(f.admittedP99)} ms`);
    const best = Math.max(...probe.slice(0, -1).map((p) => p.goodput), 0);
    flat = f.goodput < best * 1.05 ? flat + 1 : 0;
    if (flat >= 2) break;
  }
  return { capacity: Math.max(...probe.map((p) => p.goodput)), probe };
}

/** Baseline at half capacity, then 2x and 3x. */
async function overloadPhases(
  gen: OpenLoopGenerator,
  drive: LoadDriver,
  peak: { capacity: number; probe: OverloadTimeline['probe']; weights?: WorkWeights },
  d: OverloadDurations,
  log: (line: string) => void,
) {
  const { capacity } = peak;
  drive.mark('0.5x');
  const base = await drive.run(capacity * 0.5, Math.max(4, d.stepS));
  const phases: OverloadTimeline['phases'] = [];
  for (const multiple of [2, 3]) {
    drive.mark(`${multiple}x`);
    const w = await drive.run(capacity * multiple, d.overloadS);
    // The first 2 s are the transition (the limit adapts); figures cover the rest.
    const f = figures(gen.samples, w.from + 2000, w.to);
    const work = workPerSecond(gen.samples, w.from + 2000, w.to, peak.weights);
    const peakWork = peakWorkUpTo(peak.probe, f.offered);
    const workShare = work !== undefined && peakWork ? work / peakWork : undefined;
    phases.push({
      name: `${multiple}x`,
      multiple,
      offered: Math.round(f.offered),
      goodput: Math.round(f.goodput),
      goodputShare: f.goodput / capacity,
      work,
      peakWork,
      workShare,
      shedRate: f.shedRate,
      admittedP50: f.admittedP50,
      admittedP99: f.admittedP99,
      shedP99: f.shedP99,
      failed: f.failed,
      writesOk: f.writesOk,
      writesSent: f.writesSent,
      signInsOk: f.signInsOk,
      signInsSent: f.signInsSent,
    });
    log(`overload: ${multiple}x answers ${JSON.stringify(statusesByRoute(gen.samples, w.from + 2000, w.to))}`);
    log(
      `overload: ${multiple}x (${f.offered.toFixed(0)}/s) -> goodput ${f.goodput.toFixed(0)}/s (${((f.goodput / capacity) * 100).toFixed(0)}% of peak; work ${fmt(work, 2)} cores, ${fmt(workShare === undefined ? undefined : workShare * 100)}% of peak work), shed ${(f.shedRate * 100).toFixed(1)}%, admitted p50/p99 ${fmt(f.admittedP50)}/${fmt(f.admittedP99)} ms, shed p99 ${fmt(f.shedP99)} ms, writes ok ${f.writesOk}/${f.writesSent}, sign-ins ok ${f.signInsOk}/${f.signInsSent}`,
    );
  }
  return { base, phases };
}

/** Recovery after the drop, against the baseline at half capacity (overload-verdict.ts, recoveryAfter). */
function recovery(gen: OpenLoopGenerator, base: Window, dropAt: number, end: number) {
  const baseF = figures(gen.samples, base.from + 1000, base.to);
  const normalP95 = Math.max(2 * (baseF.admittedP95 ?? 0), (baseF.admittedP95 ?? 0) + 50);
  return { ...recoveryAfter(timeline(gen.samples, dropAt, end), normalP95), normalP95 };
}

async function overloadFault(ctx: FaultContext, d: OverloadDurations): Promise<FaultOutcome> {
  const { stack } = ctx.env;
  const baseUrl = stack.urls.lb;
  const settings = ctx.load.settings;
  const accounts = await signIn(baseUrl, settings.accountPassword, (n) => accountEmail(settings, n));
  const slugs = await articleSlugs(baseUrl);
  const downBefore = await downTransitions(stack.urls.lbStats);
  // Accounts 100..499 of the seed's 1000: the steady load's users sign in below 100, its login loop from 500.
  const signIns = Array.from({ length: 400 }, (_, i) => ({ vu: 100 + i, email: accountEmail(settings, 100 + i) }));
  const gen = new OpenLoopGenerator({ baseUrl, accounts, signIns, slugs, password: settings.accountPassword });
  await gen.ready();
  const drive = loadDriver(gen);
  const weights = loadWorkWeights(join(REPO, 'bench/results/cost-per-request.json'));
  const { capacity, probe } = await probeCapacity(gen, drive, d, weights, ctx.log);
  const { base, phases } = await overloadPhases(gen, drive, { capacity, probe, weights }, d, ctx.log);
  // Back to half capacity (recovery).
  drive.mark('0.5x (recovery)');
  const dropAt = performance.now();
  const end = (await drive.run(capacity * 0.5, d.recoveryS)).to;
  await gen.stop();
  ctx.log(`overload: recovery answers ${JSON.stringify(statusesByRoute(gen.samples, dropAt, end))}`);
  const { recoverS, laterSlow, normalP95 } = recovery(gen, base, dropAt, end);
  const downs = (await downTransitions(stack.urls.lbStats)) - downBefore;
  const overall = figures(gen.samples, drive.t0, end);
  const criticalDuring = phases.length ? figures(gen.samples, dropAt - phases.length * d.overloadS * 1000, dropAt) : undefined;
  lastOverloadTimeline = { capacity, probe, phases, seconds: timeline(gen.samples, drive.t0, end), marks: drive.marks, recoverS, downTransitions: downs };
  const verdict: OverloadVerdict = { capacity, phases, criticalDuring, overall, downs, recoverS, laterSlow, normalP95, skipped: gen.skipped, generatorLoopDelay: gen.loopDelay };
  return { checks: overloadChecks(verdict), figures: overloadFigures(verdict) };
}

export function overloadScenario(d: OverloadDurations): ScenarioSpec {
  return {
    name: 'overload: 2x and 3x measured capacity',
    expected: `goodput (work served) >= ${GOODPUT_SHARE * 100}% of peak at 2x and 3x, admitted p99 < ${ADMITTED_P99_MS} ms, excess shed fast, writes served, 0 DOWN transitions, 0 process exits, latency normal <= ${RECOVERY_S} s after the load drops`,
    beforeS: 3,
    afterS: 3,
    fault: (ctx) => overloadFault(ctx, d),
    judge: ({ exits, samples, clock }) => {
      // The steady users' writes run through the whole overload; so does their login loop, whose
      // sign-ins (like the open loop's) are served while hashing keeps up and refused fast beyond.
      const during = samples.filter((x) => clock.phaseAt(x.at) === 'during' && x.method !== 'GET');
      const count = (rows: typeof during) => rows.reduce<Record<string, number>>((acc, x) => ({ ...acc, [`${x.status || 'ERR'}`]: (acc[`${x.status || 'ERR'}`] ?? 0) + 1 }), {});
      const writes = during.filter((x) => x.endpoint !== 'POST /api/users/login');
      const refused = writes.filter((x) => x.status === 503 || x.status === 0).length;
      return [
        check('0 process exits', exits.length === 0, exits.length ? exits.map((e) => e.name).join(', ') : '0'),
        check(
          'steady load: writes answered during the overload (>= 99%)',
          writes.length > 0 && refused / writes.length <= 0.01,
          `writes ${JSON.stringify(count(writes))}; sign-ins ${JSON.stringify(count(during.filter((x) => x.endpoint === 'POST /api/users/login')))}`,
        ),
      ];
    },
  };
}
