// Everything the driver measures, in the same terms as k6: http_req_duration, http_req_failed
// (status >= 400 or no response), checks (status + body shape per request, chat acks and
// connects), chat delivery/connect times and errors per journey. Kept as log-bucket histograms
// (shared/histogram.ts): overall, per endpoint, per journey and per 5-second window.
import { Histogram } from '../shared/histogram.ts';
import type { LatencyStats, TimelinePoint } from '../shared/summary.ts';

export const WINDOW_MS = 5_000;

interface Window {
  http: Histogram;
  chat: Histogram;
  requests: number;
  errors: number;
  users: number;
}

interface Series {
  h: Histogram;
  requests: number;
  errors: number;
}

const newSeries = (): Series => ({ h: new Histogram(), requests: 0, errors: 0 });

export function latencyStats(h: Histogram): LatencyStats | null {
  if (!h.count) return null;
  return { count: h.count, avg: h.mean()!, min: h.min, p50: h.percentile(50)!, p90: h.percentile(90)!, p95: h.percentile(95)!, p99: h.percentile(99)!, max: h.max };
}

export class Recorder {
  readonly startedAt = Date.now();
  /** performance.now() at the start: windows are counted from here. */
  readonly t0 = performance.now();
  readonly http = new Histogram();
  requests = 0;
  failed = 0;
  checksPass = 0;
  checksFail = 0;
  readonly endpoints = new Map<string, Series>();
  readonly journeys = new Map<string, Series & { iterations: number; users: Set<number> }>();
  readonly chatConnect = new Histogram();
  readonly chatDelivery = new Histogram();
  chatConnects = 0;
  chatConnectFailures = 0;
  chatSent = 0;
  chatReceived = 0;
  chatErrors = 0;
  /** Reason -> count, for the notes ("GET /api/articles: 429" x 12). */
  readonly errorReasons = new Map<string, number>();
  private readonly windows: Window[] = [];
  users = 0;
  maxUsers = 0;
  /** A nested recorder for one phase (a stress level); receives everything this one does. */
  phase: Recorder | null = null;

  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  private window(): Window {
    const i = Math.floor(this.elapsedMs() / WINDOW_MS);
    while (this.windows.length <= i) this.windows.push({ http: new Histogram(), chat: new Histogram(), requests: 0, errors: 0, users: this.users });
    const w = this.windows[i];
    if (this.users > w.users) w.users = this.users;
    return w;
  }

  private journey(name: string) {
    let j = this.journeys.get(name);
    if (!j) this.journeys.set(name, (j = { ...newSeries(), iterations: 0, users: new Set() }));
    return j;
  }

  private reason(reason: string): void {
    this.errorReasons.set(reason, (this.errorReasons.get(reason) ?? 0) + 1);
  }

  setUsers(n: number): void {
    this.users = n;
    if (n > this.maxUsers) this.maxUsers = n;
    this.window();
    this.phase?.setUsers(n);
  }

  userStarted(journey: string, vu: number): void {
    this.journey(journey).users.add(vu);
    this.phase?.userStarted(journey, vu);
  }

  /**
   * One HTTP request: its latency, whether it failed, and two checks (status, body). Failed = a
   * status the step does not accept or no response, as k6's http_req_failed with the step's
   * expectedStatuses responseCallback (k6/lib/http-journey.ts).
   */
  recordHttp(journey: string, endpoint: string, ms: number, status: number, statusOk: boolean, bodyOk: boolean, error?: string): void {
    const failed = !statusOk;
    this.requests += 1;
    this.http.record(ms);
    if (failed) this.failed += 1;
    this.checksPass += (statusOk ? 1 : 0) + (bodyOk ? 1 : 0);
    this.checksFail += (statusOk ? 0 : 1) + (bodyOk ? 0 : 1);
    const e = this.endpoints.get(endpoint) ?? newSeries();
    this.endpoints.set(endpoint, e);
    e.h.record(ms);
    e.requests += 1;
    const j = this.journey(journey);
    j.h.record(ms);
    j.requests += 1;
    const w = this.window();
    w.http.record(ms);
    w.requests += 1;
    if (!statusOk || !bodyOk) {
      e.errors += 1;
      j.errors += 1;
      w.errors += 1;
      this.reason(`${endpoint}: ${error ?? (statusOk ? 'unexpected body' : `status ${status}`)}`);
    }
    this.phase?.recordHttp(journey, endpoint, ms, status, statusOk, bodyOk, error);
  }

  iterationDone(journey: string): void {
    this.journey(journey).iterations += 1;
    this.phase?.iterationDone(journey);
  }

  chatConnected(ms: number): void {
    this.chatConnects += 1;
    this.chatConnect.record(ms);
    this.checksPass += 1;
    this.phase?.chatConnected(ms);
  }

  /** A chat failure: a failed check and a journey error (connect refused, error ack, dropped socket). */
  chatError(reason: string, connectFailure = false): void {
    this.chatErrors += 1;
    if (connectFailure) this.chatConnectFailures += 1;
    this.checksFail += 1;
    this.journey('chat').errors += 1;
    this.window().errors += 1;
    this.reason(`chat: ${reason}`);
    this.phase?.chatError(reason, connectFailure);
  }

  chatAckOk(): void {
    this.checksPass += 1;
    this.phase?.chatAckOk();
  }

  chatMessageSent(): void {
    this.chatSent += 1;
    this.phase?.chatMessageSent();
  }

  chatDelivered(ms: number): void {
    this.chatReceived += 1;
    this.chatDelivery.record(ms);
    this.window().chat.record(ms);
    this.phase?.chatDelivered(ms);
  }

  timeline(): TimelinePoint[] {
    return this.windows.map((w, i) => ({
      t: ((i + 1) * WINDOW_MS) / 1000,
      users: w.users,
      rps: w.requests / (WINDOW_MS / 1000),
      errors: w.errors,
      p50: w.http.percentile(50),
      p95: w.http.percentile(95),
      p99: w.http.percentile(99),
      chatP95: w.chat.percentile(95),
      chatRate: w.chat.count / (WINDOW_MS / 1000),
    }));
  }

  /** Values keyed like the gate (shared/thresholds.ts statKey). */
  gateValues(): Record<string, number | undefined> {
    const checks = this.checksPass + this.checksFail;
    return {
      'http_req_failed:rate': this.requests ? this.failed / this.requests : undefined,
      'http_req_duration:p(95)': this.http.percentile(95),
      'http_req_duration:p(99)': this.http.percentile(99),
      'http_req_duration:p(50)': this.http.percentile(50),
      'chat_delivery_ms:p(95)': this.chatDelivery.percentile(95),
      'checks:rate': checks ? this.checksPass / checks : undefined,
    };
  }

  /** The last window's figures, for the progress line. */
  recent(): { rps: number; p95?: number; chatP95?: number; errors: number } {
    const w = this.windows[this.windows.length - 2] ?? this.windows[this.windows.length - 1];
    if (!w) return { rps: 0, errors: 0 };
    return { rps: w.requests / (WINDOW_MS / 1000), p95: w.http.percentile(95), chatP95: w.chat.percentile(95), errors: w.errors };
  }
}
