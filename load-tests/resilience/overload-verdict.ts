// The overload scenario's verdict (overload.scenario.ts): what one run measured, the checks it is
// judged on, and the figures its report prints.
import type { GeneratorLoopDelay } from './open-loop-thread.ts';
import type { figures, SecondFigures } from './open-loop.ts';
import type { Check, FaultOutcome } from './scenario-runner.ts';

export const GOODPUT_SHARE = 0.9;
export const ADMITTED_P99_MS = 1_000;
export const RECOVERY_S = 10;

const check = (label: string, pass: boolean, detail: string): Check => ({ label, pass, detail });
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

export function overloadFigures({ capacity, phases, downs, recoverS, generatorLoopDelay }: OverloadVerdict): FaultOutcome['figures'] {
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
    "generator's own event-loop delay (in every latency above)": generatorLoopDelay ? `p99 ${fmt(generatorLoopDelay.p99Ms)} ms, max ${fmt(generatorLoopDelay.maxMs)} ms` : '-',
  };
}
