// How much of the mixed journey's API CPU the per-endpoint costs explain: each endpoint's cost
// measured alone (16 concurrent clients, endpoint-cost.ts) weighted by how often the journey
// called it, plus the chat messages at their measured cost. What is left over is what running
// them together at 1000 users adds: every request waking idle processes (bench:floor), cache
// entries refilled because the journey's writes and its long tail of articles keep them cold,
// and V8 still optimizing code during a two-minute run.
import type { EndpointCost } from './endpoint-cost.ts';

/**
 * The driver's endpoint names (load-tests/shared/journeys.ts) are the names of the cases measured
 * alone (endpoint-cost.ts), except this one; a driver endpoint with no case of its own has no cost.
 */
const MEASURED_AS: Record<string, string> = { 'GET /api/articles': 'GET /api/articles (anonymous, cached)' };

/**
 * Left out of the mix: sign-ins happen when a user arrives, during the ramp, and the mixed
 * journey's measured window starts after it (mixed-run.ts).
 */
const OUTSIDE_WINDOW = new Set(['POST /api/users/login']);

export interface ReconcileRow {
  name: string;
  /** Share of the journey's HTTP requests. */
  share: number;
  /** API CPU µs measured alone, undefined when this endpoint has no case of its own. */
  aloneUs?: number;
}

export interface Reconciliation {
  rows: ReconcileRow[];
  /** Share of the journey's requests that have a cost measured alone. */
  coveredShare: number;
  /** µs per request: the covered endpoints at their cost alone, extended to the uncovered share at the covered average. */
  httpUs: number;
  /** µs per request spent on chat messages (messages/s x cost per message / requests/s). */
  chatUs: number;
  predictedUs: number;
  measuredUs: number;
}

export function reconcile(input: {
  endpointMix: ReadonlyArray<{ name: string; requests: number }>;
  endpoints: readonly EndpointCost[];
  chatMessageCost?: EndpointCost;
  chatMessagesPerS: number;
  rps: number;
  measuredApiUsPerRequest: number;
}): Reconciliation {
  const alone = new Map(input.endpoints.map((e) => [e.name, e.cpuUs.api]));
  const mix = input.endpointMix.filter((e) => e.requests > 0 && !OUTSIDE_WINDOW.has(e.name));
  const total = mix.reduce((a, e) => a + e.requests, 0);
  const rows: ReconcileRow[] = mix
    .map((e) => ({ name: e.name, share: total ? e.requests / total : 0, aloneUs: alone.get(MEASURED_AS[e.name] ?? e.name) }))
    .sort((a, b) => b.share * (b.aloneUs ?? 0) - a.share * (a.aloneUs ?? 0));
  const covered = rows.filter((r) => r.aloneUs !== undefined);
  const coveredShare = covered.reduce((a, r) => a + r.share, 0);
  const coveredUs = covered.reduce((a, r) => a + r.share * (r.aloneUs ?? 0), 0);
  const httpUs = coveredShare > 0 ? coveredUs / coveredShare : 0;
  const chatUs = input.rps > 0 && input.chatMessageCost?.cpuUs.api !== undefined ? (input.chatMessagesPerS * input.chatMessageCost.cpuUs.api) / input.rps : 0;
  return { rows, coveredShare, httpUs, chatUs, predictedUs: httpUs + chatUs, measuredUs: input.measuredApiUsPerRequest };
}
