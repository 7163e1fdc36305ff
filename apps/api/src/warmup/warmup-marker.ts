import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Header carried by the warm-up's in-process requests (warmup-state.ts). */
export const WARMUP_HEADER = 'x-conduit-warmup';

// A random value per process, never sent over the network: a client cannot mark its own requests
// as warm-up to skip rate limits or metrics.
const TOKEN = randomBytes(18).toString('base64url');

/** Headers that mark an injected request as warm-up traffic. */
export function warmupHeaders(): Record<string, string> {
  return { [WARMUP_HEADER]: TOKEN };
}

/**
 * True for the warm-up's own requests. They are not real traffic: the request metrics, the rate
 * limits (RateLimitGuard, the anonymous fast path), admission control's in-flight count and latency
 * samples, and the slow-request log all skip them.
 */
export function isWarmupRequest(headers: IncomingHttpHeaders): boolean {
  return headers[WARMUP_HEADER] === TOKEN;
}
