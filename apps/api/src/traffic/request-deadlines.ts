import type { FastifyReply, FastifyRequest } from 'fastify';

interface Tracked {
  deadline: number;
  reply: FastifyReply;
}

/**
 * Request budget (pattern: timeouts on every request).
 * Protects against: a request hanging forever on a stuck dependency and holding a socket and an
 * in-flight slot. A request still unanswered REQUEST_TIMEOUT_MS after it arrived gets a clear
 * 503 + Retry-After; the work left behind is bounded by its own timeouts (statement_timeout, pool
 * acquire, Redis commandTimeout). Whatever stage it is stuck in (guard, handler, serialization).
 * One sweep timer for all requests instead of a timer (or an rxjs `timeout`) per request: the
 * per-request cost is a Set insert and delete. Deadlines are met within the sweep interval.
 * Tested in apps/api/test/traffic/load-shedding.e2e.spec.ts ("request timeout").
 */
export class RequestDeadlines {
  /** Insertion order = arrival order, and every request has the same budget: deadlines are sorted. */
  private readonly active = new Set<Tracked>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly budgetMs: number,
    private readonly onTimeout: () => void,
    private readonly sweepMs = Math.min(100, Math.max(10, Math.floor(budgetMs / 4))),
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Returns the function to call when the response is over (finished or aborted). */
  track(_request: FastifyRequest, reply: FastifyReply): () => void {
    const entry: Tracked = { deadline: Date.now() + this.budgetMs, reply };
    this.active.add(entry);
    return () => this.active.delete(entry);
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.active) {
      if (entry.deadline > now) break;
      this.active.delete(entry);
      if (entry.reply.sent || entry.reply.raw.headersSent) continue;
      this.onTimeout();
      entry.reply
        .code(503)
        .header('retry-after', '1')
        .send({ errors: { server: [`the request took longer than ${this.budgetMs} ms, please retry`] } });
    }
  }
}
