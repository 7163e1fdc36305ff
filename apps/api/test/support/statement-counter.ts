import pg from 'pg';

export interface StatementCounter {
  /** Runs `fn` and returns the SQL statements sent to the counted database meanwhile. */
  during(fn: () => Promise<unknown>): Promise<string[]>;
  restore(): void;
}

/**
 * Counts every SQL statement sent to one database, at the lowest level both Prisma (through
 * @prisma/adapter-pg) and our hand-written queries share: `pg.Client.prototype.query`. Pool
 * queries, pooled clients, transactions (BEGIN/COMMIT) and Prisma's own statements all pass
 * through it, so nothing escapes the count (Prisma's `$on('query')` would miss the raw pg
 * queries, and a Pool wrapper would miss statements on checked-out clients).
 * Only statements whose client is connected to `database()` are counted, and not those of the
 * readiness probe's own connection (health/dependency-probe.ts, application_name `...-health`):
 * it runs `SELECT 1` on a timer, which is not the request's cost and lands in a counting window
 * only by chance (more often on a busy machine, where requests take longer).
 *
 * Install it BEFORE the app opens connections: wrappers that bind `client.query` at connect
 * time (e.g. metrics/database.metrics.ts) would otherwise keep the unpatched method.
 */
export function countStatements(database: () => string | undefined): StatementCounter {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let recording: string[] | null = null;
  proto.query = function (this: { database?: string; connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    if (recording && this.database === database() && !this.connectionParameters?.application_name?.endsWith('-health')) {
      const first = args[0] as string | { text?: string };
      recording.push(typeof first === 'string' ? first : String(first?.text ?? '?'));
    }
    return original.apply(this, args);
  };
  return {
    async during(fn) {
      const seen: string[] = [];
      recording = seen;
      try {
        await fn();
      } finally {
        recording = null;
      }
      return seen;
    },
    restore() {
      proto.query = original;
    },
  };
}
