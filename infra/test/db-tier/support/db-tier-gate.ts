import { existsSync } from 'node:fs';
import { hasCommand } from '../../support/tools.js';

/**
 * The database-tier suites start their own PostgreSQL 15 clusters, PgBouncer and API processes
 * (1-3 minutes on two cores): they run with `npm run test:db-tier` (DB_TIER=1; CI's .ci/run does),
 * not in every `npm test`. Asked for but missing tools fail the run instead of skipping it.
 */
export const DB_TIER = process.env.DB_TIER === '1';

export function requireDbTierTools(): void {
  const missing = [hasCommand('pgbouncer') ? '' : 'pgbouncer (apt-get install pgbouncer)', existsSync('/usr/lib/postgresql/15/bin/initdb') ? '' : 'PostgreSQL 15 server binaries'].filter(Boolean);
  if (missing.length > 0) throw new Error(`npm run test:db-tier needs ${missing.join(' and ')}`);
}
