export interface AdaptiveLimitOptions {
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** Latency may grow to this multiple of the long-term average before the limit shrinks. */
  tolerance?: number;
  /** Whatever the long-term average, a window slower than this (ms) shrinks the limit. */
  maxLatencyMs: number;
  /**
   * A window faster than this (ms) never shrinks the limit, whatever the long-term average: on a
   * shared box latency doubles from 5 to 10 ms for reasons that shedding cannot fix (another
   * process's CPU), and turning work away then only lowers goodput.
   */
  minLatencyMs?: number;
  /** Share of a new estimate taken per window (0-1): damps oscillation. */
  smoothing?: number;
  /** Windows in the long-term average (exponential moving average; 100 x 250 ms = 25 s). */
  longWindows?: number;
  /** Windows with fewer samples carry no information and are skipped. */
  minSamples?: number;
}

/** Growth of a limit in use while latency is acceptable, per window (250 ms in the load shedder). */
const GROWTH_PER_WINDOW = 0.1;

/**
 * Adaptive concurrency limit, gradient family (pattern: admission control; after Netflix
 * concurrency-limits' Gradient2 and Envoy's adaptive concurrency filter).
 * Every window, the mean latency of the requests that finished in it (short) is compared with a
 * long-term moving average (long): gradient = clamp(tolerance x long / short, 0.5, 1), and
 * newLimit = limit x gradient + sqrt(limit), smoothed, when latency is too high, and limit + 10% (at least
 * sqrt(limit)) when it is acceptable and the limit is in use. While latency stays
 * near its usual level the limit grows; once requests queue inside the process the limit falls
 * until they stop queueing. Two guards against the known drift of a pure gradient (the long
 * average slowly following a sustained overload up): the long average is pulled back down when
 * it exceeds twice the short one, and an absolute ceiling (maxLatencyMs) caps what counts as
 * acceptable, and a floor (minLatencyMs) below which latency never counts as queueing. The limit only grows when it was actually used (in-flight reached half of it):
 * an idle instance does not inflate it. O(1) per request; the update runs on a timer.
 * Unit-tested in adaptive-concurrency-limit.spec.ts; measured in load-tests/resilience/overload.scenario.ts.
 */
export class AdaptiveConcurrencyLimit {
  private current: number;
  private longMs?: number;
  private sumMs = 0;
  private samples = 0;
  private peakInFlight = 0;
  private readonly tolerance: number;
  private readonly smoothing: number;
  private readonly longAlpha: number;
  private readonly minSamples: number;

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.current = options.initialLimit;
    this.tolerance = options.tolerance ?? 2;
    this.smoothing = options.smoothing ?? 0.2;
    this.longAlpha = 2 / ((options.longWindows ?? 100) + 1);
    this.minSamples = options.minSamples ?? 5;
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.floor(this.current);
  }

  /** Long-term latency estimate in ms (undefined before the first full window). */
  get baselineMs(): number | undefined {
    return this.longMs;
  }

  /** One finished request: its latency and the in-flight count it ran with. */
  addSample(latencyMs: number, inFlight: number): void {
    this.sumMs += latencyMs;
    this.samples++;
    if (inFlight > this.peakInFlight) this.peakInFlight = inFlight;
  }

  /** Ends a window and adapts the limit. Returns the new limit. */
  update(): number {
    const { sumMs, samples, peakInFlight } = this;
    this.sumMs = 0;
    this.samples = 0;
    this.peakInFlight = 0;
    if (samples < this.minSamples) return this.limit;
    const shortMs = Math.max(sumMs / samples, 0.01);
    this.longMs = this.longMs === undefined ? shortMs : this.longMs + (shortMs - this.longMs) * this.longAlpha;
    // After a long overload the long average has followed latency up: let it recover quickly.
    if (this.longMs > 2 * shortMs) this.longMs = Math.max(shortMs, this.longMs * 0.9);
    const acceptableMs = Math.min(Math.max(this.tolerance * this.longMs, this.options.minLatencyMs ?? 0), this.options.maxLatencyMs);
    const gradient = Math.max(0.5, Math.min(1, acceptableMs / shortMs));
    // Not using the limit (app-limited): no evidence it should grow; shrinking still applies.
    if (gradient === 1 && peakInFlight < this.current / 2) return this.limit;
    // Latency acceptable and the limit in use: grow by 10% a window (at least sqrt(limit)), not
    // smoothed. Shrinking is smoothed (at most ~10% a window) and can overshoot on a transient (a
    // stall of the box, a burst); recovering at the same pace keeps a healthy instance from
    // shedding for tens of seconds after it (measured: the overload scenario's capacity probe).
    const next =
      gradient === 1
        ? this.current + Math.max(Math.sqrt(this.current), this.current * GROWTH_PER_WINDOW)
        : this.current * (1 - this.smoothing) + (this.current * gradient + Math.sqrt(this.current)) * this.smoothing;
    this.current = Math.min(this.options.maxLimit, Math.max(this.options.minLimit, next));
    return this.limit;
  }
}
