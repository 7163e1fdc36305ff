// Per-phase figures of one scenario. Every request is kept as a sample (start time, method,
// status, latency), and each sample belongs to the phase that was current when it was SENT
// (a request sent just before the fault and answered during it counts as "before").
export type PhaseName = 'before' | 'during' | 'after';

export interface Sample {
  /** performance.now() when sent. */
  at: number;
  method: string;
  endpoint: string;
  /** 0 = no response (connection refused/reset, client timeout). */
  status: number;
  ms: number;
  error?: string;
}

export interface PhaseFigures {
  phase: PhaseName;
  durationS: number;
  requests: number;
  /** "GET 200": count. */
  byMethodStatus: Record<string, number>;
  connectionErrors: number;
  errorKinds: Record<string, number>;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
  status5xx: number;
  status500: number;
}

export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
}

export class PhaseClock {
  /** [phase, started at performance.now()]. */
  readonly marks: Array<[PhaseName, number]> = [];

  mark(phase: PhaseName): void {
    this.marks.push([phase, performance.now()]);
  }

  phaseAt(t: number): PhaseName | undefined {
    let current: PhaseName | undefined;
    for (const [p, at] of this.marks) if (at <= t) current = p;
    return current;
  }

  window(phase: PhaseName): [number, number] | undefined {
    const i = this.marks.findIndex(([p]) => p === phase);
    if (i < 0) return undefined;
    return [this.marks[i][1], this.marks[i + 1]?.[1] ?? performance.now()];
  }
}

export function figuresFor(samples: readonly Sample[], clock: PhaseClock, phase: PhaseName): PhaseFigures {
  const rows = samples.filter((s) => clock.phaseAt(s.at) === phase);
  const w = clock.window(phase);
  const byMethodStatus: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  for (const s of rows) {
    const key = `${s.method} ${s.status || 'ERR'}`;
    byMethodStatus[key] = (byMethodStatus[key] ?? 0) + 1;
    if (s.status === 0) errorKinds[s.error ?? 'error'] = (errorKinds[s.error ?? 'error'] ?? 0) + 1;
  }
  const ms = rows.map((s) => s.ms).sort((a, b) => a - b);
  return {
    phase,
    durationS: w ? (w[1] - w[0]) / 1000 : 0,
    requests: rows.length,
    byMethodStatus,
    connectionErrors: rows.filter((s) => s.status === 0).length,
    errorKinds,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1],
    status5xx: rows.filter((s) => s.status >= 500).length,
    status500: rows.filter((s) => s.status === 500).length,
  };
}
