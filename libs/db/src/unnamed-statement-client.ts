import pg from 'pg';

const namedQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * A pg client for a transaction-mode pooler: every statement goes out as the unnamed prepared
 * statement. Behind PgBouncer in transaction mode each transaction may run on a different server
 * connection, so a statement prepared by name on one is unknown on the next ("prepared statement
 * q_... does not exist"); PgBouncer routes named statements only from 1.21 (max_prepared_statements),
 * Debian 12 ships 1.18. Unnamed ones are parsed, bound and run in one round trip (one Sync), which
 * PgBouncer keeps on one server connection. The hand-written repositories (common/sql.ts) and
 * Prisma's adapter (libs/db prisma.ts) keep naming statements; this one place drops the names.
 * Cost: PostgreSQL re-plans each statement (measured in bench/results/db-tier.md).
 * Test: infra/test/db-tier/pgbouncer.e2e.spec.ts (the named variant fails there, this one passes).
 */
export class UnnamedStatementClient extends pg.Client {}

UnnamedStatementClient.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  // A Submittable (pg.Query, cursors) manages its own protocol: leave it alone.
  const plain = typeof config === 'object' && config !== null && !('submit' in config) && 'name' in config;
  return namedQuery.call(this, plain ? { ...config, name: undefined } : config, ...rest);
} as pg.Client['query'];
