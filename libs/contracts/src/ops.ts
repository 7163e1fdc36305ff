/** GET /api/ops/overview (operators only): what the web app's /ops page shows, refreshed every few seconds. */
export interface OpsInstance {
  /** As configured in OPS_METRICS_TARGETS (api-1, worker ...). */
  name: string;
  kind: 'api' | 'worker';
  /** ready: /health/ready 200; not-ready: it answered 503 (draining, no database); down: no answer in time. */
  state: 'ready' | 'not-ready' | 'down';
  /** Why it is down or not ready. */
  detail?: string;
  /** Rates and p95 over the interval since the serving instance's previous read (null on the first read). */
  requestsPerSecond: number | null;
  p95Ms: number | null;
  /** Cache hits / cached reads (in-process or Redis), same interval. */
  cacheHitRatio: number | null;
  /** Requests refused by admission control (503) per second. */
  shedPerSecond: number | null;
  chatConnections: number | null;
  /** Worker only: jobs per queue and state. */
  queues?: Record<string, Record<string, number>>;
}

export interface OpsOverview {
  /** ISO time of the read. */
  at: string;
  /** The API instance that answered. */
  servedBy: string;
  instances: OpsInstance[];
  totals: { requestsPerSecond: number | null; shedPerSecond: number | null; chatConnections: number };
}
