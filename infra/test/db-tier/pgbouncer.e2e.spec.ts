import { createPool, UnnamedStatementClient } from '@conduit/db';
import { DB_TIER, requireDbTierTools } from './support/db-tier-gate.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPooledCluster, type PooledCluster } from './support/pooled-cluster.js';

const STATEMENT_TIMEOUT_MS = 1_500;

/**
 * What the app does, through PgBouncer 1.18 in transaction mode (the stack's --pgbouncer), and what
 * transaction pooling forbids (infra/pgbouncer/README.md). Each "forbidden" case is first shown to
 * break through the pooler, so the passing cases prove the workaround, not luck.
 * Server connections are handed out last-in first-out (PgBouncer's default), which makes the
 * sequences below deterministic: a client's next transaction gets the most recently freed server.
 */
describe.skipIf(!DB_TIER)('PgBouncer in transaction mode: what works and what it forbids', () => {
  let db: PooledCluster;
  const clients: pg.Client[] = [];
  const client = async (Client: typeof pg.Client = pg.Client) => {
    const c = new Client({ connectionString: db.pgbouncer.url, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    await c.connect();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    requireDbTierTools();
    db = await startPooledCluster(['max_connections=50'], { poolSize: 4, maxClientConn: 50, queryWaitTimeoutMs: 5_000, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await db?.stop();
  }, 60_000);

  it("applies the pool's session settings on the server side: statement_timeout cancels, JIT is off", async () => {
    const pool = createPool({
      connectionString: db.pgbouncer.url,
      transactionPooler: true,
      max: 3,
      acquireTimeoutMs: 5_000,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      idleTimeoutMs: 10_000,
      applicationName: 'pgbouncer-test',
    });
    try {
      const rows = await Promise.all([0, 1, 2].map(() => pool.query(`SELECT current_setting('statement_timeout') AS timeout, current_setting('jit') AS jit, pg_sleep(0.05)`)));
      for (const {
        rows: [row],
      } of rows)
        expect(row).toMatchObject({ timeout: '1500ms', jit: 'off' });
      await expect(pool.query('SELECT pg_sleep(3)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await pool.end();
    }
  });

  it('breaks named prepared statements (PgBouncer < 1.21) and the unnamed-statement client fixes it', async () => {
    const runSequence = async (Client: typeof pg.Client) => {
      const a = await client(Client);
      const b = await client(Client);
      const name = `named_${Math.random().toString(36).slice(2, 10)}`;
      await a.query({ name, text: 'SELECT $1::int AS n', values: [1] }); // prepared on server S1, S1 freed
      await b.query('BEGIN'); // b's transaction takes S1 (last in, first out) and holds it
      try {
        // a's driver believes `name` is prepared and sends only Bind: it lands on another server.
        return await a.query({ name, text: 'SELECT $1::int AS n', values: [2] });
      } finally {
        await b.query('COMMIT');
      }
    };
    await expect(runSequence(pg.Client)).rejects.toThrow(/prepared statement "named_\w+" does not exist/);
    const result = await runSequence(UnnamedStatementClient);
    expect(result.rows).toEqual([{ n: 2 }]);
  });

  it('leaks a session SET to whoever gets the server next; SET LOCAL stays in its transaction', async () => {
    const a = await client();
    const b = await client();
    await a.query("SET work_mem = '1234kB'"); // a session setting on server S1, S1 freed
    const { rows: leaked } = await b.query("SELECT current_setting('work_mem') AS value");
    expect(leaked[0].value).toBe('1234kB');
    await b.query('RESET work_mem');

    await a.query('BEGIN');
    await a.query("SET LOCAL work_mem = '1234kB'");
    await a.query('COMMIT');
    const { rows: contained } = await b.query("SELECT current_setting('work_mem') AS value");
    expect(contained[0].value).toBe('4MB');
  });

  it('runs interactive transactions and transaction-scoped advisory locks; session advisory locks outlive their transaction', async () => {
    const a = await client();
    const b = await client();
    await a.query('BEGIN');
    await a.query('SELECT pg_advisory_xact_lock(42)');
    await a.query('CREATE TEMP TABLE IF NOT EXISTS scratch (n int) ON COMMIT DROP');
    await a.query('COMMIT');
    // Released with the transaction: anyone can take it now.
    expect((await b.query('SELECT pg_try_advisory_xact_lock(42) AS got')).rows[0].got).toBe(true);

    // A session lock stays on the server connection, not with the client that took it: the same
    // client can no longer release it once its next statement runs on another server.
    await a.query('SELECT pg_advisory_lock(43)'); // on S1, S1 freed
    await b.query('BEGIN'); // takes S1
    const unlocked = await a.query('SELECT pg_advisory_unlock(43) AS ok'); // another server
    await b.query('SELECT pg_advisory_unlock(43)');
    await b.query('COMMIT');
    expect(unlocked.rows[0].ok).toBe(false);
  });
});
