// Set-up of the overload scenario (overload.scenario.ts): the accounts it signs in, the articles it
// reads, and HAProxy's count of DOWN transitions it asserts on.
import { SourceAddressPool, sendHttp } from '../driver/http-client.ts';
import type { Account } from './open-loop.ts';

const ACCOUNTS = 100;

/** UP->DOWN transitions per server of backend api, from HAProxy's stats (chkdown column). */
export async function downTransitions(statsUrl: string): Promise<number> {
  const res = await fetch(`${statsUrl}/stats;csv;norefresh`, { signal: AbortSignal.timeout(2_000) });
  const [header, ...rows] = (await res.text()).trim().split('\n');
  const cols = header.replace(/^# /, '').split(',');
  const at = (cells: string[], name: string) => cells[cols.indexOf(name)];
  return rows
    .map((r) => r.split(','))
    .filter((c) => at(c, 'pxname') === 'api' && !['FRONTEND', 'BACKEND'].includes(at(c, 'svname')))
    .reduce((n, c) => n + Number(at(c, 'chkdown') || 0), 0);
}

export async function signIn(baseUrl: string, password: string, email: (n: number) => string): Promise<Account[]> {
  const pool = new SourceAddressPool({ first: 2, last: 250, connectionsPerAddress: 2 });
  const accounts: Account[] = [];
  try {
    const vus = Array.from({ length: ACCOUNTS }, (_, i) => 600 + i);
    for (let i = 0; i < vus.length; i += 8) {
      await Promise.all(
        vus.slice(i, i + 8).map(async (vu) => {
          const res = await sendHttp(baseUrl, pool.agentFor(vu), { method: 'POST', path: '/api/users/login', body: { user: { email: email(vu), password } }, auth: false }, undefined, 10_000);
          const token = (res.body as { user?: { token?: string } })?.user?.token;
          if (token) accounts.push({ vu, token, email: email(vu) });
        }),
      );
    }
  } finally {
    await pool.close();
  }
  if (accounts.length < ACCOUNTS / 2) throw new Error(`only ${accounts.length} of ${ACCOUNTS} accounts signed in`);
  return accounts;
}

export async function articleSlugs(baseUrl: string): Promise<string[]> {
  const res = await fetch(`${baseUrl}/api/articles?limit=50`);
  const body = (await res.json()) as { articles?: Array<{ slug: string }> };
  const slugs = (body.articles ?? []).map((a) => a.slug);
  if (!slugs.length) throw new Error('no articles to read');
  return slugs;
}
