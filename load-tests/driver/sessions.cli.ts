// `npm run loadtest:sessions [-- --out <file>] [--accounts <csv>]`: the session tokens returning users still hold, for
// k6 (which cannot read the database): one per seeded load-test account, signed with the stack's
// JWT secret as the API issues them at sign-in. k6 reads the file with `-e SESSIONS_FILE=<file>`;
// RETURNING_SHARE (default 0.9) of its signed-in users then start with their token, the others
// sign in with their password (see shared/returning-users.ts).
// DATABASE_URL: the stack's database (default: .env.example's); JWT_SECRET: the stack's secret
// (default: .env.example's, what `npm start` runs with); JWT_TTL_SECONDS: the tokens' lifetime.
// --accounts <csv>: read the accounts from `id,username,email` lines instead of the database (a
// stack whose database is not reachable from here, e.g. compose's: psql's \copy writes the file).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvFile } from '../../libs/stack/src/index.ts';
import { accountEmail, resolveSettings } from '../shared/settings.ts';
import type { SessionsFile } from '../shared/returning-users.ts';
import { loadAccounts } from './accounts.ts';
import { issueSession } from './sign-in-policy.ts';
import { REPO } from './stack.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: join(REPO, 'load-tests', 'reports', 'sessions.json') }, accounts: { type: 'string' } } });
const defaults = readEnvFile(join(REPO, '.env.example'));
const env = process.env;
const databaseUrl = env.DATABASE_URL || defaults.DATABASE_URL;
const jwtSecret = env.JWT_SECRET || defaults.JWT_SECRET;
const ttlS = Number(env.JWT_TTL_SECONDS || defaults.JWT_TTL_SECONDS || 86_400);
if (!jwtSecret) throw new Error('JWT_SECRET is needed (from the environment or .env.example)');

/** `id,username,email` per line (what psql's \copy ... WITH CSV writes). */
function accountsFromCsv(file: string): Map<string, { id: number; username: string }> {
  const accounts = new Map<string, { id: number; username: string }>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const [id, username, email] = line.split(',');
    if (!email || !/^\d+$/.test(id)) continue;
    accounts.set(email.trim(), { id: Number(id), username });
  }
  return accounts;
}

const settings = resolveSettings(env);
const accounts = values.accounts ? accountsFromCsv(values.accounts) : await loadAccounts(databaseUrl);
const sessions: SessionsFile['sessions'] = [];
for (let n = 1; n <= settings.accounts; n++) {
  const account = accounts.get(accountEmail(settings, n));
  sessions.push(account ? await issueSession(jwtSecret, ttlS, account) : null);
}
const file: SessionsFile = { issuedAt: new Date().toISOString(), ttlS, sessions };
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify(file));
const found = sessions.filter(Boolean).length;
console.log(`wrote ${found} of ${settings.accounts} sessions (valid ${ttlS} s) to ${values.out}`);
if (found < settings.accounts) console.log(`missing accounts sign in with their password; seed them with npm run db:seed`);
