// `npm run ops:grant -- <username> [--revoke]`: gives (or takes back) the operator role, which opens
// the web app's /ops page. Reads only DATABASE_URL (a one-shot tool, not the app's config).
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { revoke: { type: 'boolean', default: false } } });
if (positionals.length !== 1) {
  console.error('usage: npm run ops:grant -- <username> [--revoke]');
  process.exit(1);
}
const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit', connectionTimeoutMillis: 5_000, statement_timeout: 5_000 });
await client.connect();
try {
  const { rowCount } = await client.query('UPDATE users SET is_operator = $2 WHERE username = $1', [positionals[0], !values.revoke]);
  if (!rowCount) {
    console.error(`no user named ${positionals[0]}`);
    process.exitCode = 1;
  } else console.log(`${positionals[0]} ${values.revoke ? 'is no longer' : 'is now'} an operator`);
} finally {
  await client.end();
}
