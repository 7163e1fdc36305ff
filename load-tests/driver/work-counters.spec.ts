import { TestRedisServer } from '@conduit/testing';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatTextSummary, type RunSummary } from '../shared/summary.ts';
import { evaluateGate } from '../shared/thresholds.ts';
import { WORK_BUDGET, formatWork, judgeWork, workBudgetValues } from '../shared/work-budget.ts';
import { parseQueryCounts, readStackCounters, redisCommandsProcessed, workBetween, type StackCounters } from './work-counters.ts';

/** An instance's /metrics as prom-client writes it: the query histogram (buckets, sum, count) and a cache series. */
function instanceMetrics(q: { select: number; insert: number; selectErrors?: number; begin?: number }, tagsHits = 10): string {
  return [
    '# HELP db_query_duration_seconds PostgreSQL query duration',
    '# TYPE db_query_duration_seconds histogram',
    `db_query_duration_seconds_bucket{le="0.001",operation="select",outcome="ok"} ${q.select}`,
    `db_query_duration_seconds_sum{operation="select",outcome="ok"} 0.5`,
    `db_query_duration_seconds_count{operation="select",outcome="ok"} ${q.select}`,
    `db_query_duration_seconds_count{operation="select",outcome="error"} ${q.selectErrors ?? 0}`,
    `db_query_duration_seconds_count{operation="insert",outcome="ok"} ${q.insert}`,
    `db_query_duration_seconds_count{operation="begin",outcome="ok"} ${q.begin ?? 0}`,
    `cache_requests_total{cache="tags",layer="local",result="hit"} ${tagsHits}`,
    'http_requests_total{method="GET",route="/api/tags",status_code="200"} 900',
  ].join('\n');
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function metricsServer(text: () => string, status = 200): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(text());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends raw RESP commands on a connection of its own and waits for as many replies' first lines. */
async function redisSend(port: number, commands: string[][]): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  const payload = commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join('');
  await new Promise<void>((resolve, reject) => {
    let replies = '';
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (d) => {
      replies += d.toString();
      if (replies.split('\r\n').filter((l) => /^[+:$-]/.test(l)).length >= commands.length) resolve();
    });
    socket.on('error', reject);
  }).finally(() => socket.destroy());
}

describe('the stack’s counted work per request', () => {
  const redis = new TestRedisServer();
  beforeAll(() => redis.start());
  afterAll(() => redis.stop());

  it('counts queries by SQL verb, outcomes summed, from the count series only', () => {
    const counts = parseQueryCounts(instanceMetrics({ select: 40, insert: 5, selectErrors: 2, begin: 3 }));
    expect(Object.fromEntries(counts)).toEqual({ select: 42, insert: 5, begin: 3 });
    expect(parseQueryCounts('http_requests_total 5').size).toBe(0);
  });

  it('reads a Redis server’s executed commands, counting those run inside a script', async () => {
    const server = { name: 'cache', port: redis.port };
    const before = await redisCommandsProcessed(server);
    expect(before).toBeGreaterThan(0); // the reading itself counts
    // 3 commands, then one script that runs 2 more: 4 round trips, 6 commands executed.
    await redisSend(redis.port, [
      ['SET', 'k', '1'],
      ['GET', 'k'],
      ['INCR', 'k'],
      ['EVAL', "redis.call('GET', KEYS[1]); return redis.call('INCR', KEYS[1])", '1', 'k'],
    ]);
    const after = await redisCommandsProcessed(server);
    expect(after! - before!).toBe(1 + 6); // the first reading's own INFO, then the six
  });

  it('gives up on a Redis server that does not answer within its timeout', async () => {
    expect(await redisCommandsProcessed({ name: 'gone', port: 1 })).toBeNull();
    redis.freeze();
    try {
      expect(await redisCommandsProcessed({ name: 'frozen', port: redis.port }, 300)).toBeNull();
    } finally {
      redis.thaw();
    }
  });

  it('sums the instances, keeps each Redis server apart, and refuses partial readings', async () => {
    const a = await metricsServer(() => instanceMetrics({ select: 10, insert: 1 }));
    const b = await metricsServer(() => instanceMetrics({ select: 30, insert: 3 }));
    const reading = await readStackCounters([a, b], [{ name: 'cache', port: redis.port }]);
    expect(Object.fromEntries(reading!.queries)).toEqual({ select: 40, insert: 4, begin: 0 });
    expect(reading!.cache.get('requests|tags|local|hit')).toBe(20);
    expect(reading!.redis?.get('cache')).toBeGreaterThan(0);

    const failing = await metricsServer(() => 'unavailable', 503);
    expect(await readStackCounters([a, failing], [])).toBeNull();
    expect(await readStackCounters([], [{ name: 'cache', port: redis.port }])).toBeNull();
    // An instance reading without Redis: the queries still count, Redis is left out rather than summed in part.
    const withoutRedis = await readStackCounters(
      [a],
      [
        { name: 'cache', port: redis.port },
        { name: 'gone', port: 1 },
      ],
    );
    expect(withoutRedis?.queries.get('select')).toBe(10);
    expect(withoutRedis?.redis).toBeNull();
  });

  it('divides what grew by the requests, and the budget fails a run that multiplied its queries', () => {
    const reading = (select: number, insert: number, cache: number, queue: number): StackCounters => ({
      cache: new Map(),
      queries: new Map([
        ['select', select],
        ['insert', insert],
      ]),
      redis: new Map([
        ['cache', cache],
        ['queue', queue],
      ]),
    });
    const work = workBetween(reading(1_000, 50, 10_000, 500), reading(1_900, 150, 14_000, 600), 1_000, 20)!;
    expect(work.dbQueries).toBeCloseTo(1.0);
    expect(work.dbByOperation).toEqual([
      { operation: 'select', perRequest: 0.9 },
      { operation: 'insert', perRequest: 0.1 },
    ]);
    expect(work.redisCommands).toBeCloseTo(4.1);
    expect(formatWork(work)[0]).toBe('work per request at full strength (20 s, 1000 requests): 1.00 database queries (select 0.90, insert 0.10), 4.10 Redis commands (cache 4.00, queue 0.10)');
    expect(evaluateGate(workBudgetValues(work), WORK_BUDGET).pass).toBe(true);

    // The same run with an N+1: twenty more selects per request.
    const nPlusOne = workBetween(reading(1_000, 50, 10_000, 500), reading(21_900, 150, 14_000, 600), 1_000, 20)!;
    const judged = evaluateGate(workBudgetValues(nPlusOne), WORK_BUDGET);
    expect(judged.pass).toBe(false);
    expect(judged.results.map((r) => [r.metric, r.pass])).toEqual([
      ['db_queries_per_request', false],
      ['redis_commands_per_request', true],
    ]);
    // Nothing read is not a pass.
    expect(evaluateGate(workBudgetValues(undefined), WORK_BUDGET).pass).toBe(false);
    expect(workBetween(reading(1, 1, 1, 1), reading(2, 2, 2, 2), 0, 20)).toBeUndefined();
  });

  it('judges only the runs the budget is for, and Redis only where its servers were named', () => {
    const work = { requests: 100, seconds: 10, dbQueries: 1.1, dbByOperation: [{ operation: 'select', perRequest: 1.1 }], redisCommands: 9 };
    expect(judgeWork(work, { judged: false, redisNamed: true })).toBeUndefined();
    const both = judgeWork(work, { judged: true, redisNamed: true })!;
    expect(both.results.map((r) => [r.metric, r.pass])).toEqual([
      ['db_queries_per_request', true],
      ['redis_commands_per_request', false],
    ]);
    // No Redis named (npm run loadtest without REDIS_PORTS): no Redis row at all, rather than "PASS, no data".
    const databaseOnly = judgeWork({ ...work, redisCommands: undefined }, { judged: true, redisNamed: false })!;
    expect(databaseOnly.results.map((r) => r.metric)).toEqual(['db_queries_per_request']);
    expect(databaseOnly.pass).toBe(true);
    // A run the budget is for whose counters could not be read fails.
    expect(judgeWork(undefined, { judged: true, redisNamed: false })!.pass).toBe(false);
  });

  it('prints the budget’s results as counts in the summary', () => {
    const judged = evaluateGate({ 'db_queries_per_request:avg': 1.234, 'redis_commands_per_request:avg': 8.5 }, WORK_BUDGET);
    const summary = {
      tool: 'node-driver',
      testType: 'ci',
      startedAt: '2026-12-05T00:00:00.000Z',
      durationS: 100,
      baseUrl: 'http://127.0.0.1:8090',
      machine: 'test',
      users: { max: 1000 },
      http: { requests: 1, failed: 0, failedRate: 0, rps: 1, latency: null },
      checks: { passes: 1, fails: 0, rate: 1 },
      chat: { users: 0, connects: 0, connectFailures: 0, connectMs: null, sent: 0, received: 0, deliveryMs: null },
      journeys: [],
      endpoints: [],
      thresholds: judged.results,
      passed: judged.pass,
      timeline: [],
      resources: [],
      notes: [],
    } satisfies RunSummary;
    const text = formatTextSummary(summary);
    expect(text).toContain('PASS  Database queries per request (< 1.5) actual 1.23');
    expect(text).toContain('FAIL  Redis commands per request (< 8) actual 8.50');
  });
});
