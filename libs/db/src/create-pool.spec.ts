import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from './create-pool.js';

/** Session settings every pooled connection gets (real PostgreSQL). */
describe('createPool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('turns JIT off, keeps the default plan choice, sets the statement timeout and names the application on every connection', async () => {
    const pool = createPool({ connectionString: db.url, max: 2, acquireTimeoutMs: 5_000, statementTimeoutMs: 4_000, idleTimeoutMs: 10_000, applicationName: 'pool-settings-test' });
    try {
      // Two connections at once: both are set up, not just the first.
      const rows = await Promise.all(
        [0, 1].map(() =>
          pool.query<{ jit: string; plans: string; timeout: string; app: string }>(
            `SELECT current_setting('jit') AS jit, current_setting('plan_cache_mode') AS plans, current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app, pg_sleep(0.05)`,
          ),
        ),
      );
      for (const {
        rows: [row],
      } of rows)
        expect(row).toEqual({ jit: 'off', plans: 'auto', timeout: '4s', app: 'pool-settings-test', pg_sleep: '' });
      expect(pool.totalCount).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
