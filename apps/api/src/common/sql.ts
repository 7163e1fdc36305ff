import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

/**
 * Runs a hand-written statement as a named prepared statement: PostgreSQL parses and plans
 * each distinct SQL text once per connection instead of on every call (the hot read paths
 * run thousands of times per second). Names are derived from the text, so the same query
 * built twice reuses the same statement. Prefix `q_` keeps them apart from Prisma's `p_`.
 */
export async function sqlRows<R extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, text: string, values: unknown[] = []): Promise<R[]> {
  let name = names.get(text);
  if (!name) {
    name = `q_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (names.size < 1_000) names.set(text, name);
  }
  const result = await db.query<R>({ name, text, values });
  return result.rows;
}

/** Collects positional parameters while a statement is assembled: `where.push(\`x = ${p.add(v)}\`)`. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** SQLSTATE of a failed pg statement (e.g. 23505 unique_violation, 23503 foreign_key_violation). */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
