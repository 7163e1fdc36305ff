// Cost of one endpoint in isolation: a fixed number of requests through the load balancer
// (bounded concurrency, ~200 loopback source addresses and 200 signed-in users so no rate limit
// is hit), with CPU ticks of every process group, Redis commands and pg_stat_statements read
// before and after. Per request: API CPU µs, PostgreSQL execution µs and backend CPU µs, Redis
// round trips, HAProxy CPU µs.
import { SignJWT } from 'jose';
import pg from 'pg';
import type { HttpCall } from '../../load-tests/shared/journeys.ts';
import { SourceAddressPool, sendHttp } from '../../load-tests/driver/http-client.ts';
import type { ProcessGroup } from '../../load-tests/driver/process-cpu.ts';
import type { RedisCommandCount, StatementStats } from './statement-stats.ts';
import { cpuDelta, snapshotTicks } from './process-ticks.ts';
import { loginCall } from '../../load-tests/shared/journeys.ts';

export interface EndpointCase {
  name: string;
  requests: number;
  /** Builds request i (0-based) for user `user` (index into the minted sessions). */
  call(i: number, ctx: CaseContext): HttpCall;
  ok: readonly number[];
  signedIn: boolean;
}

export interface CaseContext {
  slugs: string[];
  usernames: string[];
}

export interface EndpointCost {
  name: string;
  requests: number;
  failed: number;
  /** µs per request, per process group short name (api, pg, redis, lb, worker). */
  cpuUs: Record<string, number>;
  pgExecUs: number;
  pgStatements: number;
  redisCalls: number;
  /** Cache Redis commands per request by name (the largest few). */
  redisCommands?: Record<string, number>;
}

/** Sessions for the signed-in cases: tokens signed with the stack's secret for seeded load-test accounts. */
export async function mintSessions(databaseUrl: string, jwtSecret: string, count: number): Promise<Array<{ token: string; username: string }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query<{ id: number; username: string }>(`SELECT id, username FROM users WHERE email LIKE 'loadtest-%' ORDER BY id LIMIT $1`, [count]);
    const key = new TextEncoder().encode(jwtSecret);
    return Promise.all(
      res.rows.map(async (u) => ({
        username: u.username,
        token: await new SignJWT({ username: u.username }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(u.id)).setIssuedAt().setExpirationTime('1h').sign(key),
      })),
    );
  } finally {
    await client.end();
  }
}

export async function measureEndpoint(opts: {
  baseUrl: string;
  c: EndpointCase;
  ctx: CaseContext;
  sessions: Array<{ token: string }>;
  groups: ProcessGroup[];
  stats: StatementStats;
  redis: RedisCommandCount[];
  concurrency: number;
}): Promise<EndpointCost> {
  const { c, ctx, sessions, groups, stats } = opts;
  const pool = new SourceAddressPool({ connectionsPerAddress: 2 });
  // Warm-up: caches filled, connections open, JIT warm; not counted.
  for (let i = 0; i < 20; i++) await sendHttp(opts.baseUrl, pool.agentFor(i + 1), c.call(i, ctx), sessions[i % sessions.length]?.token, 10_000);
  await stats.reset();
  const redisBefore = await Promise.all(opts.redis.map((r) => r.commands()));
  const byCommandBefore = await opts.redis[0].byCommand();
  const before = await snapshotTicks(groups);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < c.requests; i = next++) {
      const session = sessions[i % sessions.length];
      const res = await sendHttp(opts.baseUrl, pool.agentFor((i % 200) + 1), c.call(i, ctx), c.signedIn ? session?.token : undefined, 10_000);
      if (!c.ok.includes(res.status)) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const after = await snapshotTicks(groups);
  const redisAfter = await Promise.all(opts.redis.map((r) => r.commands()));
  const byCommandAfter = await opts.redis[0].byCommand();
  const pgStats = await stats.read();
  await pool.close();
  const cpuUs = cpuDelta(groups, before, after, c.requests);
  const redisCalls = redisAfter.reduce((a, v, i) => a + v - redisBefore[i], 0);
  const redisCommands = Object.fromEntries(
    [...byCommandAfter.entries()]
      .map(([k, v]): [string, number] => [k, (v - (byCommandBefore.get(k) ?? 0)) / c.requests])
      .filter(([k, v]) => v >= 0.05 && k !== 'info')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5),
  );
  return {
    name: c.name,
    requests: c.requests,
    failed,
    cpuUs,
    redisCommands,
    pgExecUs: (pgStats.totalMs * 1000) / c.requests,
    pgStatements: pgStats.calls / c.requests,
    redisCalls: redisCalls / c.requests,
  };
}

const enc = encodeURIComponent;
const article = (i: number, ctx: CaseContext) => ctx.slugs[i % ctx.slugs.length];

/** The endpoints of the mixed journey (load-tests/shared/journeys.ts), each measured alone. */
// eslint-disable-next-line max-lines-per-function -- a table of 14 endpoint cases, one entry each; splitting it would scatter the table
export function endpointCases(scale = 1): EndpointCase[] {
  const n = (k: number) => Math.max(50, Math.round(k * scale));
  return [
    {
      name: 'GET /api/articles (anonymous, cached)',
      requests: n(3000),
      signedIn: false,
      ok: [200],
      call: (i) => ({ method: 'GET', path: `/api/articles?limit=10&offset=${(i % 3) * 10}`, auth: false }),
    },
    { name: 'GET /api/articles (signed in)', requests: n(2000), signedIn: true, ok: [200], call: () => ({ method: 'GET', path: '/api/articles?limit=10', auth: true }) },
    {
      name: 'GET /api/articles?tag=',
      requests: n(2000),
      signedIn: false,
      ok: [200],
      call: (i) => ({ method: 'GET', path: `/api/articles?tag=${['loadtest', 'scaling', 'caching'][i % 3]}&limit=10`, auth: false }),
    },
    { name: 'GET /api/articles/feed', requests: n(1500), signedIn: true, ok: [200], call: () => ({ method: 'GET', path: '/api/articles/feed?limit=10', auth: true }) },
    { name: 'GET /api/articles/:slug', requests: n(3000), signedIn: false, ok: [200], call: (i, ctx) => ({ method: 'GET', path: `/api/articles/${enc(article(i, ctx))}`, auth: false }) },
    {
      name: 'GET /api/articles/:slug/comments',
      requests: n(2000),
      signedIn: false,
      ok: [200],
      call: (i, ctx) => ({ method: 'GET', path: `/api/articles/${enc(article(i, ctx))}/comments`, auth: false }),
    },
    { name: 'GET /api/tags', requests: n(3000), signedIn: false, ok: [200], call: () => ({ method: 'GET', path: '/api/tags', auth: false }) },
    {
      name: 'GET /api/profiles/:username',
      requests: n(1500),
      signedIn: true,
      ok: [200],
      call: (i, ctx) => ({ method: 'GET', path: `/api/profiles/${enc(ctx.usernames[(i + 7) % ctx.usernames.length])}`, auth: true }),
    },
    {
      name: 'POST /api/articles/:slug/favorite',
      requests: n(800),
      signedIn: true,
      ok: [200],
      call: (i, ctx) => ({ method: 'POST', path: `/api/articles/${enc(article(i * 7, ctx))}/favorite`, auth: true }),
    },
    {
      name: 'DELETE /api/articles/:slug/favorite',
      requests: n(800),
      signedIn: true,
      ok: [200],
      call: (i, ctx) => ({ method: 'DELETE', path: `/api/articles/${enc(article(i * 7, ctx))}/favorite`, auth: true }),
    },
    {
      name: 'POST /api/profiles/:username/follow',
      requests: n(800),
      signedIn: true,
      ok: [200],
      call: (i, ctx) => ({ method: 'POST', path: `/api/profiles/${enc(ctx.usernames[(i + 11) % ctx.usernames.length])}/follow`, auth: true }),
    },
    {
      name: 'POST /api/articles',
      requests: n(500),
      signedIn: true,
      ok: [201],
      call: (i) => ({
        method: 'POST',
        path: '/api/articles',
        auth: true,
        body: { article: { title: `Cost bench ${Date.now().toString(36)} ${i}`, description: 'cost per request', body: 'Measured under load. '.repeat(20), tagList: ['loadtest', 'costbench'] } },
      }),
    },
    // Real sign-ins (argon2id): one per account and source address, below the login limits.
    { name: 'POST /api/users/login', requests: n(100), signedIn: false, ok: [200], call: (i) => loginCall(`loadtest-${String((i % 900) + 21).padStart(4, '0')}@load.test`, 'loadtest-password') },
    {
      name: 'POST /api/articles/:slug/comments',
      requests: n(800),
      signedIn: true,
      ok: [200, 201],
      call: (i, ctx) => ({ method: 'POST', path: `/api/articles/${enc(article(i, ctx))}/comments`, auth: true, body: { comment: { body: `cost bench comment ${i}` } } }),
    },
  ];
}
