// The overload scenario's verdict (overload.scenario.ts): what one run measured, the checks it is
// judged on, and the figures its report prints.
import type { GeneratorLoopDelay } from './open-loop-thread.ts';
import type { figures, SecondFigures } from './open-loop.ts';
import { check, type Check, type FaultOutcome } from './scenario-runner.ts';

export const GOODPUT_SHARE = 0.9;
export const ADMITTED_P99_MS = 1_000;
export const RECOVERY_S = 10;
/** Normal seconds in a row that count as recovered. */
export const RECOVERED_HOLD_S = 5;

export const fmt = (v: number | undefined, digits = 0) => (v === undefined ? '-' : v.toFixed(digits));

/** Shared result of one run: the chart data lands in the results JSON via figures. */
export interface OverloadTimeline {
  capacity: number;
  probe: Array<{ offered: number; goodput: number; shedRate: number; admittedP99?: number; work?: number }>;
  phases: Array<{
    name: string;
    multiple: number;
    offered: number;
    goodput: number;
    goodputShare: number;
    /** Cores of stack work served per second (work-weights.ts); the probe's peak up to this load; the share. */
    work?: number;
    peakWork?: number;
    workShare?: number;
    shedRate: number;
    admittedP50?: number;
    admittedP99?: number;
    shedP99?: number;
    failed: number;
    writesOk: number;
    writesSent: number;
    signInsOk: number;
    signInsSent: number;
  }>;
  seconds: SecondFigures[];
  /** Seconds (timeline t) where each phase started. */
  marks: Array<{ t: number; label: string }>;
  recoverS?: number;
  downTransitions: number;
}

export interface OverloadVerdict {
  capacity: number;
  phases: OverloadTimeline['phases'];
  criticalDuring?: ReturnType<typeof figures>;
  overall: ReturnType<typeof figures>;
  downs: number;
  recoverS?: number;
  /** Seconds after recovery that were slow again (a blip of the box, not the overload), as "t+N s: p95 M ms". */
  laterSlow?: string[];
  normalP95: number;
  skipped: number;
  generatorLoopDelay?: GeneratorLoopDelay;
}

export function overloadChecks(v: OverloadVerdict): Check[] {
  const { capacity, phases, criticalDuring, overall, downs, recoverS, normalP95 } = v;
  const checks: Check[] = [];
  for (const p of phases) {
    const requests = `${p.goodput} req/s of peak ${capacity} req/s = ${(p.goodputShare * 100).toFixed(0)}% (offered ${p.offered}/s, shed ${(p.shedRate * 100).toFixed(1)}%)`;
    // Work served when the bench's per-endpoint costs are there; requests otherwise.
    checks.push(
      p.workShare === undefined
        ? check(`${p.name}: goodput >= ${GOODPUT_SHARE * 100}% of peak (requests)`, p.goodputShare >= GOODPUT_SHARE, requests)
        : check(
            `${p.name}: goodput >= ${GOODPUT_SHARE * 100}% of peak (work served)`,
            p.workShare >= GOODPUT_SHARE,
            `${fmt(p.work, 2)} cores of work of peak ${fmt(p.peakWork, 2)} (probe, offered <= this) = ${(p.workShare * 100).toFixed(0)}%; ${requests}`,
          ),
    );
    checks.push(check(`${p.name}: admitted p99 < ${ADMITTED_P99_MS} ms`, (p.admittedP99 ?? Infinity) < ADMITTED_P99_MS, `p50 ${fmt(p.admittedP50)} ms, p99 ${fmt(p.admittedP99)} ms`));
    checks.push(check(`${p.name}: excess refused fast (shed p99 < 250 ms)`, p.shedRate === 0 || (p.shedP99 ?? Infinity) < 250, `shed p99 ${fmt(p.shedP99)} ms`));
  }
  if (criticalDuring)
    checks.push(
      check(
        'writes served during the overload (>= 99%)',
        criticalDuring.writesSent > 0 && criticalDuring.writesOk / criticalDuring.writesSent >= 0.99,
        `${criticalDuring.writesOk}/${criticalDuring.writesSent}; sign-ins (their own bulkhead: served while hashing keeps up, the rest refused fast) ${criticalDuring.signInsOk}/${criticalDuring.signInsSent}`,
      ),
    );
  checks.push(check('0 DOWN transitions in HAProxy', downs === 0, String(downs)));
  checks.push(
    check(
      `latency normal <= ${RECOVERY_S} s after the load drops`,
      recoverS !== undefined && recoverS <= RECOVERY_S,
      `${recoverS === undefined ? 'not within the window' : `${recoverS} s`} (normal: admitted p95 <= ${normalP95.toFixed(0)} ms, no shedding)`,
    ),
  );
  checks.push(check('no request failed other than by fast shedding (0 errors, 0 timeouts)', overall.failed === 0, `${overall.failed} failed; generator skipped ${v.skipped}`));
  return checks;
}

export function overloadFigures({ capacity, phases, downs, recoverS, laterSlow, generatorLoopDelay }: OverloadVerdict): FaultOutcome['figures'] {
  return {
    'capacity (peak goodput)': `${capacity} req/s`,
    ...Object.fromEntries(
      phases.map((p) => [
        `${p.name}`,
        `offered ${p.offered}/s, goodput ${p.goodput}/s (${(p.goodputShare * 100).toFixed(0)}%; work served ${fmt(p.work, 2)} cores, ${fmt(p.workShare === undefined ? undefined : p.workShare * 100)}% of peak), shed ${(p.shedRate * 100).toFixed(1)}%, admitted p50/p99 ${fmt(p.admittedP50)}/${fmt(p.admittedP99)} ms, shed p99 ${fmt(p.shedP99)} ms, writes ${p.writesOk}/${p.writesSent}, sign-ins ${p.signInsOk}/${p.signInsSent}`,
      ]),
    ),
    'DOWN transitions': downs,
    'time to recover': recoverS === undefined ? 'not recovered' : `${recoverS} s`,
    'slow seconds after recovery (reported, not judged)': laterSlow?.length ? laterSlow.join(', ') : 'none',
    "generator's own event-loop delay (in every latency above)": generatorLoopDelay ? `p99 ${fmt(generatorLoopDelay.p99Ms)} ms, max ${fmt(generatorLoopDelay.maxMs)} ms` : '-',
  };
}

/**
 * Time to recover: the first second after the drop that starts RECOVERED_HOLD_S normal seconds in a
 * row - admitted p95 within `normalP95` (max(2 x baseline, baseline + 50 ms)) and nothing refused
 * for overload (503; a 429 is a client's own rate limit, which the login limit per address gives
 * now and then at any load). p95, not p99: one second at half capacity holds a few hundred
 * answers, so its p99 is its second or third slowest (a sign-in's hash). Not "every later second":
 * on a shared 2-core box one slow second 11 s after the drop (p95 77 ms against 63, with normal
 * seconds on both sides) said "recovered after 12 s" of a stack that was normal after 2. Slow
 * seconds after the recovery are returned to be reported.
 */
export function recoveryAfter(after: readonly SecondFigures[], normalP95: number): { recoverS?: number; laterSlow: string[] } {
  const normal = after.map((s) => (s.admittedP95 ?? 0) <= normalP95 && s.overloadShed === 0);
  const recoverS = normal.findIndex((_, i) => i + RECOVERED_HOLD_S <= normal.length && normal.slice(i, i + RECOVERED_HOLD_S).every(Boolean));
  if (recoverS < 0) return { laterSlow: [] };
  const laterSlow = after.flatMap((s, i) => (i > recoverS && !normal[i] ? [`t+${i} s: p95 ${fmt(s.admittedP95)} ms, ${s.overloadShed} refused`] : []));
  return { recoverS, laterSlow };
}
