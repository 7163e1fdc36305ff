/** Connection settings for tests: the local PostgreSQL/Redis, overridable for other machines. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Set by global-setup for this run; the migrated database every test clones. */
export function templateDatabase(): string {
  const name = process.env.CONDUIT_TEST_TEMPLATE_DB;
  if (!name) throw new Error('CONDUIT_TEST_TEMPLATE_DB is not set: run tests through vitest (global-setup)');
  return name;
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
