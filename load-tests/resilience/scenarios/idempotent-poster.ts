// POST /api/articles with an Idempotency-Key per logical article; the client retries (same key) on
// no answer / 5xx; every 5th is re-sent after success (a lost response). At the end, the database
// says whether a retry ever created a second article.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SourceAddressPool } from '../../driver/http-client.ts';
import type { Environment } from '../environment.ts';
import { check, sendHttp, type Check, type FaultContext } from '../scenario-runner.ts';

export interface Tally {
  /** Title -> slug of every article created. */
  slugs: Map<string, string>;
  retries: number;
  replayMismatch: number;
  gaveUp: number;
  /** Answers that were retried, by status. */
  statuses: Record<string, number>;
}

type KeyedResponse = Awaited<ReturnType<typeof requestWithKey>>;

export const slugOf = (res: KeyedResponse) => (res.body as { article?: { slug?: string } })?.article?.slug;

/** `statuses`: the answers it retried, by status; `created`: articles acknowledged. */
export function idempotentPoster(ctx: FaultContext) {
  const pool = new SourceAddressPool({ first: 180, last: 189, connectionsPerAddress: 4 });
  const run = `${process.pid}-${Date.now()}`;
  const tally: Tally = { slugs: new Map(), retries: 0, replayMismatch: 0, gaveUp: 0, statuses: {} };
  let stopped = false;
  const done = postUntilStopped(ctx, pool, run, tally, () => stopped).catch((e: Error) => {
    tally.gaveUp += 1;
    ctx.log(`idempotent poster: ${e.message}`);
  });
  return {
    async stop(): Promise<{ summary: string; checks: Check[]; statuses: Record<string, number>; created: number }> {
      stopped = true;
      await done;
      await pool.close();
      return { ...(await verify(ctx.env, run, tally)), statuses: tally.statuses, created: tally.slugs.size };
    },
  };
}

async function postUntilStopped(ctx: FaultContext, pool: SourceAddressPool, run: string, tally: Tally, stopped: () => boolean): Promise<void> {
  const baseUrl = ctx.env.stack.urls.lb;
  const login = await sendHttp(
    baseUrl,
    pool.agentFor(1),
    { method: 'POST', path: '/api/users/login', body: { user: { email: 'loadtest-0401@load.test', password: 'loadtest-password' } }, auth: false },
    undefined,
    10_000,
  );
  const token = (login.body as { user?: { token?: string } })?.user?.token;
  if (!token) throw new Error(`idempotent poster: login failed (${login.status})`);
  for (let i = 0; !stopped(); i++) {
    const key = `res-${run}-${i}`;
    const title = `resilience idem ${run} ${i}`;
    const send = () => requestWithKey(baseUrl, pool, i, token, key, title);
    const res = await sendWithRetries(send, tally);
    const slug = slugOf(res);
    if (!slug) {
      tally.gaveUp += 1;
      ctx.log(`idempotent poster: key ${key} gave up with ${res.status} ${JSON.stringify(res.body)}`);
    } else {
      tally.slugs.set(title, slug);
      if (i % 5 === 0 && slugOf(await send()) !== slug) tally.replayMismatch += 1;
    }
    await sleep(100);
  }
}

/**
 * A client's retry policy: no answer or 5xx -> retry soon; 409 (the key is still claimed, e.g. by
 * the instance that was killed) -> retry after Retry-After. Same key every time, for up to 30 s.
 */
export async function sendWithRetries(send: () => Promise<KeyedResponse>, tally: Tally): Promise<KeyedResponse> {
  let res = await send();
  const deadline = Date.now() + 30_000;
  while ((res.status === 0 || res.status >= 500 || res.status === 409) && Date.now() < deadline) {
    tally.retries += 1;
    tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1;
    await sleep(res.status === 409 ? 1000 * (Number(res.retryAfter) || 1) : 300);
    res = await send();
  }
  return res;
}

async function verify(env: Environment, run: string, tally: Tally): Promise<{ summary: string; checks: Check[] }> {
  const client = new pg.Client({ connectionString: env.directDbUrl });
  await client.connect();
  const { rows } = await client.query<{ title: string; n: string }>('SELECT title, count(*) AS n FROM articles WHERE title LIKE $1 GROUP BY title', [`resilience idem ${run} %`]);
  await client.end();
  const { slugs, retries, replayMismatch, gaveUp, statuses } = tally;
  const dup = rows.filter((r) => Number(r.n) > 1).reduce((a, r) => a + Number(r.n) - 1, 0);
  const missing = [...slugs.keys()].filter((t) => !rows.some((r) => r.title === t)).length;
  return {
    summary: `${slugs.size} created, ${retries} retries (answers retried: ${JSON.stringify(statuses)}), ${replayMismatch} replay mismatches, ${gaveUp} gave up`,
    checks: [
      check(
        'Idempotency-Key retries: no duplicate article',
        dup === 0 && replayMismatch === 0,
        `${dup} duplicates in the DB, ${replayMismatch} retries answered with another article (${slugs.size} articles, ${retries} retries)`,
      ),
      check('Idempotency-Key retries: every article created', missing === 0 && gaveUp === 0 && slugs.size > 0, `${missing} missing, ${gaveUp} gave up`),
    ],
  };
}

export async function requestWithKey(baseUrl: string, pool: SourceAddressPool, i: number, token: string, key: string, title: string, extraHeaders: Record<string, string> = {}) {
  const { request } = await import('undici');
  const started = performance.now();
  try {
    const res = await request(`${baseUrl}/api/articles`, {
      method: 'POST',
      dispatcher: pool.agentFor(i),
      headers: { 'content-type': 'application/json', authorization: `Token ${token}`, 'idempotency-key': key, ...extraHeaders },
      body: JSON.stringify({ article: { title, description: 'resilience', body: 'Idempotency-Key under SIGKILL', tagList: ['resilience'] } }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body, ms: performance.now() - started, retryAfter: res.headers['retry-after'] as string | undefined, replayed: res.headers['idempotent-replayed'] === 'true' };
  } catch {
    return { status: 0, body: undefined, ms: performance.now() - started, retryAfter: undefined, replayed: false };
  }
}
