import { PrismaPg } from '@prisma/adapter-pg';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient } from './generated/client.js';
export { Prisma } from './generated/client.js';

/**
 * Named prepared statements: PostgreSQL plans each distinct SQL text once per connection
 * instead of on every execution. Behind a transaction-mode pooler the pool's client drops the
 * names (unnamed-statement-client.ts): PgBouncer routes named statements only from 1.21.
 */
const statementName = (query: { sql: string }) => `p_${createHash('sha1').update(query.sql).digest('base64url').slice(0, 20)}`;

export function createPrismaClient(pool: pg.Pool, options: { log?: boolean } = {}): PrismaClient {
  const adapter = new PrismaPg(pool, { statementNameGenerator: statementName, disposeExternalPool: false });
  return new PrismaClient({
    adapter,
    log: options.log ? [{ emit: 'event', level: 'query' }] : [],
  });
}
