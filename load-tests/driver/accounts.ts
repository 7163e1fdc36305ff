// The seeded load-test accounts (id and username by email) and the JWT secret the load-test
// stack runs with (.env.example, which libs/stack starts every process from): what the
// stress run needs to give returning users the session token they would still hold.
import { join } from 'node:path';
import pg from 'pg';
import { readEnvFile } from '../../libs/stack/src/index.ts';
import { REPO } from './stack.ts';

export async function loadAccounts(databaseUrl: string): Promise<Map<string, { id: number; username: string }>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, statement_timeout: 10_000 });
  await client.connect();
  try {
    const res = await client.query<{ id: number; username: string; email: string }>(`SELECT id, username, email FROM users WHERE email LIKE 'loadtest-%'`);
    return new Map(res.rows.map((r) => [r.email, { id: r.id, username: r.username }]));
  } finally {
    await client.end();
  }
}

export function stackJwtSecret(): string {
  const secret = readEnvFile(join(REPO, '.env.example')).JWT_SECRET;
  if (!secret) throw new Error('.env.example has no JWT_SECRET');
  return secret;
}
