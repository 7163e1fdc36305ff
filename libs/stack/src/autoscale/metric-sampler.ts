import { readFileSync } from 'node:fs';

/** Values of one metric in a Prometheus text exposition, with their label sets. */
export function parseMetric(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  const line = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm');
  for (const m of text.matchAll(line)) {
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** GET <url>/metrics within a second (a scrape that hangs never stalls the control loop). */
export async function scrape(url: string, timeoutMs = 1_000): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  return res.text();
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Sample {
  at: number;
  inFlight: number;
  cpuSeconds: number;
}

/**
 * Samples of each API instance over the policy's window: requests in flight (the app's own gauge,
 * what prometheus-adapter serves the HPA averaged over the same window) and CPU seconds (for the
 * utilisation of the pod's CPU request, what metrics-server gives the HPA).
 */
export class InstanceWindow {
  private readonly samples = new Map<number, Sample[]>();

  constructor(private readonly windowMs: number) {}

  add(index: number, sample: Sample): void {
    const list = [...(this.samples.get(index) ?? []), sample].filter((s) => s.at > sample.at - this.windowMs);
    this.samples.set(index, list);
  }

  forget(index: number): void {
    this.samples.delete(index);
  }

  /** Mean in-flight requests of the instance over the window, or undefined without samples. */
  inFlight(index: number): number | undefined {
    const list = this.samples.get(index);
    if (!list?.length) return undefined;
    return list.reduce((sum, s) => sum + s.inFlight, 0) / list.length;
  }

  /** Cores the instance used over the window (needs two samples). */
  cores(index: number): number | undefined {
    const list = this.samples.get(index);
    if (!list || list.length < 2) return undefined;
    const first = list[0];
    const last = list[list.length - 1];
    return (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000);
  }
}
