// The stack's counted work, read at both ends of the stretch at full strength: the API instances'
// counters from their /metrics (the read cache's, and db_query_duration_seconds_count: every
// query sent to PostgreSQL, by SQL verb) and each Redis server's total_commands_processed
// (INFO stats; commands run inside Lua scripts count). The budget they are judged against is in
// shared/work-budget.ts.
import { Redis } from 'ioredis';
import type { WorkPerRequest } from '../shared/work-budget.ts';
import { parseCacheCounters, type CacheCounters } from './cache-work.ts';
import { metricsText } from './instance-metrics.ts';

/** A Redis server of the stack, named for the report. */
export interface RedisServer {
  name: string;
  port: number;
  host?: string;
}

/** One reading: the instances' counters summed, and commands so far per Redis server (by name). */
export interface StackCounters {
  cache: CacheCounters;
  /** Queries sent, by SQL verb (outcomes summed). */
  queries: Map<string, number>;
  /** null when a Redis server did not answer (no partial sums), or none was named. */
  redis: Map<string, number> | null;
}

const QUERY_COUNT = /^db_query_duration_seconds_count\{([^}]*)\} ([0-9.eE+-]+)$/gm;
const OPERATION = /operation="([^"]*)"/;

/** Queries by SQL verb in one /metrics text. */
export function parseQueryCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [, labels, value] of text.matchAll(QUERY_COUNT)) {
    const operation = OPERATION.exec(labels)?.[1] ?? 'other';
    counts.set(operation, (counts.get(operation) ?? 0) + Number(value));
  }
  return counts;
}

const COMMANDS_PROCESSED = /total_commands_processed:(\d+)/;

/** total_commands_processed in an `INFO stats` reply (bench/cost reads the same counter). */
export function commandsProcessedIn(info: string): number | undefined {
  const m = COMMANDS_PROCESSED.exec(info);
  return m ? Number(m[1]) : undefined;
}

/**
 * A Redis server's total_commands_processed, or null when it did not answer within the timeout.
 * One `INFO stats` on a connection of its own, like the stack's other Redis probes
 * (libs/stack/src/redis-probe.ts); RESP2 (no HELLO handshake), no ready check and no client info,
 * so the reading itself is the only command it adds: one in thousands.
 */
export async function redisCommandsProcessed(server: RedisServer, timeoutMs = 2_000): Promise<number | null> {
  const client = new Redis({
    host: server.host ?? '127.0.0.1',
    port: server.port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    disableClientInfo: true,
    protocol: 2,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return commandsProcessedIn(await client.info('stats')) ?? null;
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

/** Reads every instance and Redis server at once; null when an instance did not answer. */
export async function readStackCounters(instanceUrls: string[], redisServers: RedisServer[], timeoutMs = 2_000): Promise<StackCounters | null> {
  if (instanceUrls.length === 0) return null;
  const [texts, commands] = await Promise.all([Promise.all(instanceUrls.map((url) => metricsText(url, timeoutMs))), Promise.all(redisServers.map((s) => redisCommandsProcessed(s, timeoutMs)))]);
  if (texts.some((t) => t === null)) return null;
  const cache: CacheCounters = new Map();
  const queries = new Map<string, number>();
  for (const text of texts as string[]) {
    for (const [key, value] of parseCacheCounters(text)) cache.set(key, (cache.get(key) ?? 0) + value);
    for (const [op, value] of parseQueryCounts(text)) queries.set(op, (queries.get(op) ?? 0) + value);
  }
  const redis = redisServers.length && commands.every((c) => c !== null) ? new Map(redisServers.map((s, i) => [s.name, commands[i]!])) : null;
  return { cache, queries, redis };
}

/** Queries and Redis commands between two readings, per request the generator made meanwhile. */
export function workBetween(before: StackCounters, after: StackCounters, requests: number, seconds: number): WorkPerRequest | undefined {
  if (requests <= 0 || seconds <= 0) return undefined;
  const grown = (a: Map<string, number>, b: Map<string, number>, key: string) => Math.max(0, (b.get(key) ?? 0) - (a.get(key) ?? 0));
  const dbByOperation = [...after.queries.keys()]
    .map((operation) => ({ operation, perRequest: grown(before.queries, after.queries, operation) / requests }))
    .filter((o) => o.perRequest > 0)
    .sort((a, b) => b.perRequest - a.perRequest);
  const work: WorkPerRequest = { requests, seconds, dbQueries: dbByOperation.reduce((a, o) => a + o.perRequest, 0), dbByOperation };
  if (before.redis && after.redis) {
    const redisByServer = [...after.redis.keys()].map((name) => ({ name, perRequest: grown(before.redis!, after.redis!, name) / requests }));
    work.redisByServer = redisByServer;
    work.redisCommands = redisByServer.reduce((a, r) => a + r.perRequest, 0);
  }
  return work;
}
