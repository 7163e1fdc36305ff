// HTTP for the driver's virtual users: undici with one connection pool (Agent) per loopback
// source address, 127.0.0.2 .. 127.0.0.250. Users n, n+249, n+498 ... share an address, like
// people behind one home router; rate limits and the load balancer see ~249 distinct clients
// instead of one (a per-IP limit would otherwise put all 1000 users in a single bucket).
import { Agent, request } from 'undici';
import type { HttpCall } from '../shared/journeys.ts';
import { loopbackAddress } from '../shared/settings.ts';

export interface HttpResult {
  /** 0 when no response arrived (refused, reset, timeout). */
  status: number;
  body: unknown;
  ms: number;
  error?: string;
  /** Retry-After of a 429/503, in seconds. */
  retryAfterS?: number;
}

export class SourceAddressPool {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly opts: { first?: number; last?: number; connectionsPerAddress?: number } = {}) {}

  addressFor(vu: number): string {
    return loopbackAddress(vu, this.opts.first ?? 2, this.opts.last ?? 250);
  }

  agentFor(vu: number): Agent {
    const address = this.addressFor(vu);
    let agent = this.agents.get(address);
    if (!agent) {
      agent = new Agent({
        // Top-level `localAddress` (a Client option). Trap: `connect: { localAddress }` is
        // silently overwritten by undici's connector (undici 7.30), and every request then
        // leaves from 127.0.0.1. Test: http-client.spec.ts.
        localAddress: address,
        connect: { timeout: 5_000 },
        connections: this.opts.connectionsPerAddress ?? 32,
        // Below HAProxy's `timeout http-keep-alive` (10 s) and the API's keep-alive timeout: the
        // client must drop an idle socket before the server does, or a request written just as the
        // server closes it fails with "other side closed" (seen once in ~25k at 3x overload, when
        // connections opened during a queue spike sat idle afterwards).
        keepAliveTimeout: 5_000,
        keepAliveMaxTimeout: 5_000,
      });
      this.agents.set(address, agent);
    }
    return agent;
  }

  get size(): number {
    return this.agents.size;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }
}

/**
 * One request. `parseBody: false` reads the body without keeping or parsing it (body undefined):
 * for open-loop traffic that only counts statuses, where JSON.parse of every answer was a
 * generator cost the stack under test then lost.
 */
export async function sendHttp(baseUrl: string, agent: Agent, call: HttpCall, token: string | undefined, timeoutMs: number, opts: { parseBody?: boolean } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.auth && token) headers.authorization = `Token ${token}`;
  const started = performance.now();
  try {
    const res = await request(`${baseUrl}${call.path}`, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    let body: unknown;
    if (opts.parseBody === false) await res.body.dump();
    else {
      const text = await res.body.text();
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
    }
    const ms = performance.now() - started;
    const retryAfter = Number(res.headers['retry-after']);
    return { status: res.statusCode, body, ms, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}) };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { status: 0, body: undefined, ms: performance.now() - started, error: e.code ?? e.message ?? 'request failed' };
  }
}
