// Evidence from inside the API instances while the load runs: event-loop delay (prom-client's
// nodejs_eventloop_lag_p99_seconds, reset at every scrape, so each value covers the time since
// the previous scrape) and PostgreSQL pool use (db_pool_connections by state vs
// db_pool_max_connections). Scraped straight from each instance's /metrics, not via the LB.
import { request } from 'undici';

export interface InstanceReading {
  eventLoopP99Ms?: number;
  poolTotal?: number;
  poolWaiting?: number;
  poolMax?: number;
  inFlight?: number;
}

function metric(text: string, name: string, labels?: string): number | undefined {
  const re = new RegExp(`^${name}${labels ? `\\{[^}]*${labels}[^}]*\\}` : '(?:\\{[^}]*\\})?'} ([0-9.eE+-]+|NaN)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** An instance's /metrics text, or null when it did not answer 200 within the timeout. */
export async function metricsText(url: string, timeoutMs = 2_000): Promise<string | null> {
  try {
    const res = await request(`${url}/metrics`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    return res.statusCode === 200 ? text : null;
  } catch {
    return null;
  }
}

export async function readInstance(url: string, timeoutMs = 2_000): Promise<InstanceReading | null> {
  const text = await metricsText(url, timeoutMs);
  if (text === null) return null;
  const lag = metric(text, 'nodejs_eventloop_lag_p99_seconds');
  return {
    eventLoopP99Ms: lag === undefined ? undefined : lag * 1000,
    poolTotal: metric(text, 'db_pool_connections', 'state="total"'),
    poolWaiting: metric(text, 'db_pool_connections', 'state="waiting"'),
    poolMax: metric(text, 'db_pool_max_connections'),
  };
}

/** Peak readings per instance between reset() calls, scraped every intervalMs. */
export class InstanceProbe {
  private peaks: InstanceReading[];
  private timer?: NodeJS.Timeout;

  constructor(private readonly urls: string[]) {
    this.peaks = urls.map(() => ({}));
  }

  start(intervalMs = 5_000): void {
    void this.scrape();
    this.timer = setInterval(() => void this.scrape(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async scrape(): Promise<void> {
    const readings = await Promise.all(this.urls.map((u) => readInstance(u)));
    readings.forEach((r, i) => {
      if (!r) return;
      const p = this.peaks[i];
      const max = (a: number | undefined, b: number | undefined) => (b === undefined || Number.isNaN(b) ? a : a === undefined ? b : Math.max(a, b));
      p.eventLoopP99Ms = max(p.eventLoopP99Ms, r.eventLoopP99Ms);
      p.poolTotal = max(p.poolTotal, r.poolTotal);
      p.poolWaiting = max(p.poolWaiting, r.poolWaiting);
      p.poolMax = r.poolMax ?? p.poolMax;
    });
  }

  /** Peaks since the last reset, then starts a new period. */
  takePeaks(): InstanceReading[] {
    const out = this.peaks;
    this.peaks = this.urls.map(() => ({}));
    return out;
  }
}
