/**
 * Time a request spent waiting before this process started on it (pattern: queue-time shedding,
 * as with Heroku's and New Relic's X-Request-Start).
 *
 * Why: the adaptive concurrency limit only sees requests once the event loop has read them. On a
 * saturated instance requests first wait in the kernel's socket buffers, and that wait is
 * invisible to the limit: at 3x overload clients saw admitted p50 400 ms and shed answers at
 * p99 200 ms while the in-process latencies looked normal. The load balancer stamps each request
 * with the time it forwarded it (infra/haproxy/haproxy.cfg: `X-Request-Start: t=<epoch ms>`), so
 * the first hook knows how long the request has already waited. A request that has waited past
 * LOAD_SHED_MAX_QUEUE_MS is refused at once (fast 503): its client is already having a bad time,
 * the refusal costs microseconds, and the backlog drains instead of every later request inheriting
 * it. Without the header (a client talking to an instance directly) nothing is refused for it.
 *
 * The header is set by the load balancer only (it deletes any client-supplied one). A forged
 * value from a direct client can only get that client's own request refused (a past time) or
 * skip this check (a future time counts as 0), which it could do anyway by omitting the header.
 * Tested in queue-time.spec.ts and apps/api/test/traffic/load-shedding.e2e.spec.ts.
 */
export const REQUEST_START_HEADER = 'x-request-start';

/** Epoch milliseconds from "t=<ms>" (or "t=<µs>", "t=<s.fraction>"); undefined if absent or malformed. */
export function requestStartMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^t=(\d{10,16})(?:\.(\d{1,6}))?$/.exec(header.trim());
  if (!match) return undefined;
  const whole = Number(match[1]);
  // 10 digits: seconds (with an optional fraction); 13: milliseconds; 16: microseconds.
  if (match[1].length <= 10) return whole * 1000 + (match[2] ? Number(`0.${match[2]}`) * 1000 : 0);
  if (match[1].length >= 16) return whole / 1000;
  return whole;
}

/** How long the request has waited (ms, never negative), or 0 when it carries no stamp. */
export function queuedMs(header: string | string[] | undefined, nowMs: number): number {
  const start = requestStartMs(header);
  return start === undefined ? 0 : Math.max(0, nowMs - start);
}
