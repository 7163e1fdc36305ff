/** One request sent through the load balancer and what came back. */
export interface Outcome {
  method: string;
  status: number; // 0 = network error
  instance: string | null;
  error?: string;
  at: number;
  /** Sent twice: the first attempt's connection closed with no response (see `replayOnClosedConnection`). */
  replayed?: boolean;
}

export interface TrafficOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Builds request i (bounded: the loop stops by itself after `maxRequests` or stop()). */
  request: (i: number) => { method: string; url: string; headers?: Record<string, string>; body?: string };
  maxRequests: number;
  /** Pause between a worker's requests (steady, not flat-out: the box is shared). */
  pauseMs?: number;
  timeoutMs?: number;
  /**
   * Replay a GET or HEAD once when its keep-alive connection closed without any response, as
   * browsers, curl and Go's HTTP client (k6) do (RFC 9112, 9.3.1). HAProxy closes the client's
   * connection that way, on purpose, when the reused server connection it sent the request on is
   * closed before any response, e.g. by a SIGKILL: it is its signal that a retry is safe. fetch
   * (undici) does not retry by itself. The outcome is marked `replayed`.
   */
  replayOnClosedConnection?: boolean;
}

const CLOSED_WITHOUT_RESPONSE = 'UND_ERR_SOCKET';

/** fetch's own message is only "fetch failed": the cause says which side closed and how. */
function describeError(error: unknown): { code?: string; detail: string } {
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  return { code, detail: cause ? `${(error as Error).message}: ${code ?? cause.message ?? String(cause)}` : (error as Error).message };
}

/**
 * Steady, bounded traffic (loopback only). Every request's outcome is recorded so a test can
 * count failures by method and by time window (before/after the LB noticed a fault).
 */
export function startTraffic(options: TrafficOptions) {
  const outcomes: Outcome[] = [];
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < options.maxRequests) {
      const { method, url, headers, body } = options.request(next++);
      const at = Date.now();
      const send = () => fetch(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) });
      try {
        let replayed = false;
        let res: Response;
        try {
          res = await send();
        } catch (error) {
          // Only before any response arrived: a body cut short is a failure, never replayed.
          const idempotent = method === 'GET' || method === 'HEAD';
          if (!options.replayOnClosedConnection || !idempotent || describeError(error).code !== CLOSED_WITHOUT_RESPONSE) throw error;
          replayed = true;
          res = await send();
        }
        await res.arrayBuffer();
        outcomes.push({ method, status: res.status, instance: res.headers.get('x-instance-id'), at, ...(replayed ? { replayed } : {}) });
      } catch (error) {
        outcomes.push({ method, status: 0, instance: null, error: describeError(error).detail, at });
      }
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => outcomes);
  return {
    outcomes,
    /** Stops issuing new requests and waits for those in flight. */
    async stop() {
      stopped = true;
      return done;
    },
    done,
  };
}

export const failed = (o: Outcome) => o.status === 0 || o.status >= 500;
export const describeFailures = (outcomes: Outcome[]) =>
  outcomes
    .filter(failed)
    .slice(0, 5)
    .map((o) => `${o.method} -> ${o.status} ${o.error ?? ''} (${o.instance ?? 'no instance'})`)
    .join('; ');
