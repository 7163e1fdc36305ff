/**
 * Who is turned away first when an instance is over its concurrency limit (pattern: priority
 * load shedding). Decided from the request line and headers only, before any work is done:
 * - critical: sign-in, registration and every write (POST/PUT/PATCH/DELETE): losing one loses a
 *   user's action, and a user who cannot sign in cannot use the site at all;
 * - normal:   signed-in reads (an Authorization header is present);
 * - low:      anonymous reads (lists, tags, articles: mostly cached, and cheap to retry).
 * Chat messages travel over the WebSocket (never through this hook), so they are never shed here.
 * Tested in request-priority.spec.ts.
 */
export type RequestPriority = 'critical' | 'normal' | 'low';

export const PRIORITIES: readonly RequestPriority[] = ['critical', 'normal', 'low'];

/** Share of the concurrency limit each priority may fill: low-priority requests stop first. */
export const PRIORITY_SHARE: Readonly<Record<RequestPriority, number>> = { critical: 1, normal: 0.85, low: 0.7 };

export function requestPriority(method: string, authorization: string | string[] | undefined): RequestPriority {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') return 'critical';
  return authorization ? 'normal' : 'low';
}

/**
 * Sign-in and registration: their cost is password hashing, which has its own admission control
 * (auth/hashing-bulkhead.ts: bounded concurrency, refused at once when the queue is too long).
 * The adaptive limit neither counts nor times them: a sign-in waiting its turn for a hashing
 * thread is not the event loop queueing, and counted here it would fill the slots anonymous
 * reads may use and raise the mean latency the limit adapts to, so a sign-in surge would shed
 * the cheapest reads and shrink the limit for everyone (goodput collapsing under overload).
 */
export function hasOwnBulkhead(method: string, url: string): boolean {
  if (method !== 'POST') return false;
  const path = url.split('?', 1)[0].replace(/\/$/, '');
  return path === '/api/users/login' || path === '/api/users';
}
