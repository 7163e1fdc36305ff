// A sustained, bounded burst through the load balancer (loopback only) that the autoscaler must
// answer: sign-ins (each ~25 ms of argon2id CPU behind the hashing bulkhead of one hash at a time
// per instance, so they queue INSIDE the API and show as requests in flight there) mixed with
// anonymous and signed-in reads. Every outcome is recorded with the instance that answered.
import { Agent } from 'undici';

export interface Outcome {
  kind: 'login' | 'read';
  path: string;
  status: number; // 0 = network error
  instance: string | null;
  at: number;
  /** When the answer (or the error) came, ms since epoch. */
  endedAt: number;
  /** A failure's explanation: the error (and its cause's code) or the first bytes of a 5xx body. */
  error?: string;
  /** HAProxy's request id (X-Request-Id), to find the request in its log. */
  requestId?: string;
}

export interface BurstOptions {
  baseUrl: string;
  loginLoops: number;
  readLoops: number;
  emailOf: (n: number) => string;
  password: string;
  /** Stops by itself after this many requests even if stop() is never called. */
  maxRequests: number;
  /** Pause between a loop's requests (light background traffic). */
  pauseMs?: number;
}

export function startBurst(o: BurstOptions) {
  const outcomes: Outcome[] = [];
  const agent = new Agent({ connections: o.loginLoops + o.readLoops + 8, keepAliveTimeout: 5_000 });
  let stopped = false;
  let sent = 0;
  const send = async (kind: Outcome['kind'], path: string, init: { method: string; body?: string }) => {
    const at = Date.now();
    try {
      const res = await fetch(`${o.baseUrl}${path}`, { ...init, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(20_000), dispatcher: agent } as RequestInit);
      const body = await res.text();
      const answer: Outcome = { kind, path, status: res.status, instance: res.headers.get('x-instance-id'), at, endedAt: Date.now() };
      if (res.status >= 500) Object.assign(answer, { error: body.slice(0, 160), requestId: res.headers.get('x-request-id') ?? undefined });
      outcomes.push(answer);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const cause = e.cause ? ` (${[e.cause.code, e.cause.message].filter(Boolean).join(': ')})` : '';
      outcomes.push({ kind, path, status: 0, instance: null, at, endedAt: Date.now(), error: `${e.name}: ${e.message}${cause}` });
    }
  };
  const loop = async (n: number, login: boolean) => {
    while (!stopped && sent++ < o.maxRequests) {
      if (login) await send('login', '/api/users/login', { method: 'POST', body: JSON.stringify({ user: { email: o.emailOf(n), password: o.password } }) });
      else await send('read', `/api/articles?limit=10&offset=${(sent % 20) * 10}`, { method: 'GET' });
      if (o.pauseMs) await new Promise((resolve) => setTimeout(resolve, o.pauseMs));
    }
  };
  const loops = [...Array.from({ length: o.loginLoops }, (_, i) => loop(i + 1, true)), ...Array.from({ length: o.readLoops }, (_, i) => loop(i + 1, false))];
  const done = Promise.all(loops).then(() => outcomes);
  return {
    outcomes,
    async stop() {
      stopped = true;
      await done;
      await agent.close();
      return outcomes;
    },
  };
}

export const failed = (x: Outcome) => x.status === 0 || x.status >= 500;
