import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyMigrations } from '../../db/src/apply-migrations.js';
import { TEST_PG_URL, databaseUrl } from './test-env.js';

const STALE_AFTER_SECONDS = 2 * 3600;

/**
 * Migrates a template database once per test run; every test file then clones it
 * (CREATE DATABASE ... TEMPLATE, ~100 ms) so files run in parallel without sharing data.
 * Names carry a timestamp (conduit_t_<epoch>_<random>) so concurrent runs never touch each
 * other's databases and leftovers of crashed runs can be dropped safely later.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const template = `conduit_t_${Math.floor(Date.now() / 1000)}_tpl${randomBytes(3).toString('hex')}`;
  process.env.CONDUIT_TEST_TEMPLATE_DB = template; // inherited by the test workers
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    const stale = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^conduit_t_[0-9]+_'`);
    const now = Date.now() / 1000;
    for (const { datname } of stale.rows) {
      const created = Number(datname.split('_')[2]);
      if (now - created > STALE_AFTER_SECONDS) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await applyMigrations(databaseUrl(template), fileURLToPath(new URL('../../../prisma/migrations', import.meta.url)));

  return async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await client.end();
  };
}
