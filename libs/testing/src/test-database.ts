import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_PG_URL, databaseUrl, templateDatabase } from './test-env.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

/** A fresh, migrated database cloned from the template made in global-setup. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `conduit_t_${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    // CREATE DATABASE ... TEMPLATE fails if another session is connected to the template.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`);
        break;
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end());
    },
  };
}
