import { httpRequestDuration, httpRequestsTotal } from '@conduit/observability';

/** One label object per method, status and route, reused (no allocation per response). */
const labelSets = new Map<string, { method: string; route: string; status_code: string }>();

/**
 * Counts and times one response under its route template (`http_requests_total`,
 * `http_request_duration_seconds`). Called by the onResponse hook (bootstrap/create-app.ts) and
 * by the memory-hit front (cache/memory-hit-front.ts), which answers before Fastify.
 */
export function recordHttpResponse(method: string, route: string, statusCode: number, seconds: number): void {
  const key = `${method} ${statusCode} ${route}`;
  let labels = labelSets.get(key);
  if (!labels) labelSets.set(key, (labels = { method, route, status_code: String(statusCode) }));
  httpRequestDuration.observe(labels, seconds);
  httpRequestsTotal.inc(labels);
}
