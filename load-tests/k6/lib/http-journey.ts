// Runs one iteration of an HTTP journey (shared/journeys.ts) with k6/http, sleeping a think
// time between steps (outside any WebSocket callback).
import { check, sleep } from 'k6';
import http from 'k6/http';
import type { HttpCall, JourneyDef, VuState } from '../../shared/journeys.ts';
import type { LoadSettings } from '../../shared/settings.ts';
import { thinkTimeMs } from '../../shared/weighted-choice.ts';
import { journeyErrors } from './metrics.ts';

export interface CallResult {
  ok: boolean;
  body: unknown;
}

const callbacks = new Map<string, ReturnType<typeof http.expectedStatuses>>();
function expected(statuses: readonly number[]): ReturnType<typeof http.expectedStatuses> {
  const key = statuses.join(',');
  let cb = callbacks.get(key);
  if (!cb) callbacks.set(key, (cb = http.expectedStatuses(...statuses)));
  return cb;
}

/** One request; counts a check and, on failure, a journey error. */
export function call(settings: LoadSettings, s: VuState, journey: string, stepName: string, req: HttpCall, okStatuses: readonly number[], shape?: (b: unknown) => boolean): CallResult {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (req.auth && s.token) headers.Authorization = `Token ${s.token}`;
  const res = http.request(req.method, `${settings.baseUrl}${req.path}`, req.body === undefined ? null : JSON.stringify(req.body), {
    headers,
    tags: { name: stepName, journey },
    timeout: `${settings.requestTimeoutMs}ms`,
    // http_req_failed counts statuses outside this list; a step that accepts a 4xx (e.g. 422
    // "room exists" in setup) must not count as a failed request.
    responseCallback: expected(okStatuses),
  });
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body as string) : undefined;
  } catch {
    body = undefined;
  }
  const ok = check(
    res,
    {
      [`${stepName}: status ${okStatuses.join('/')}`]: (r) => okStatuses.includes(r.status),
      [`${stepName}: body`]: () => (shape ? shape(body) : true),
    },
    { journey },
  );
  if (!ok) journeyErrors.add(1, { journey });
  return { ok, body };
}

export function think(settings: LoadSettings, s: VuState): void {
  sleep(thinkTimeMs(settings.thinkMinMs, settings.thinkMaxMs, s.random()) / 1000);
}

export function runHttpIteration(settings: LoadSettings, journey: JourneyDef, s: VuState): void {
  for (const step of journey.steps) {
    const req = step.call(s);
    if (!req) continue;
    const res = call(settings, s, journey.name, step.name, req, step.ok, step.check);
    if (res.ok && step.after) step.after(s, res.body);
    think(settings, s);
  }
}
