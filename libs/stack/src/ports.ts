import { freePort } from '@conduit/testing';
import { createServer } from 'node:net';

/** Every port one stack listens on. Two stacks on one machine need disjoint sets. */
export interface StackPorts {
  lb: number;
  /** HAProxy stats page (/stats) and its Prometheus exporter (/metrics). */
  lbStats: number;
  /** API instance i listens on api[i - 1]. */
  api: number[];
  worker: number;
  web: number;
  prometheus: number;
  cacheRedis: number;
  queueRedis: number;
  /** PgBouncer (only used with the pgbouncer option; optional in explicit port sets). */
  pgbouncer?: number;
  /** The read replica (only with the replica option). */
  replica?: number;
}

export const MAX_INSTANCES = 8; // HAProxy config has slots API_1_ADDR..API_8_ADDR

/**
 * Fixed layout within the project's port ranges, shifted by `offset` (0-4) so two stacks don't
 * collide: LB 8080+o, stats 8085+o, API 3001+4o.., worker 4150+o, web 4155+o, Prometheus 9090+o,
 * queue Redis 6380+2o, cache Redis 6381+2o, PgBouncer 6433+o (6432 is the Debian package's service),
 * read replica 5450+o. Offset 0 allows up to 8 instances (3001-3008); with
 * other offsets keep instances <= 4 or pass explicit ports.
 */
export function fixedPorts(instances: number, offset = 0): StackPorts {
  if (!Number.isInteger(offset) || offset < 0 || offset > 4) throw new Error('port offset must be 0..4');
  return {
    lb: 8080 + offset,
    lbStats: 8085 + offset,
    api: Array.from({ length: instances }, (_, i) => 3001 + 4 * offset + i),
    worker: 4150 + offset,
    web: 4155 + offset,
    prometheus: 9090 + offset,
    cacheRedis: 6381 + 2 * offset,
    queueRedis: 6380 + 2 * offset,
    pgbouncer: 6433 + offset,
    replica: 5450 + offset,
  };
}

export async function randomPorts(instances: number): Promise<StackPorts> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const api: number[] = [];
  for (let i = 0; i < instances; i++) api.push(await next());
  return {
    lb: await next(),
    lbStats: await next(),
    api,
    worker: await next(),
    web: await next(),
    prometheus: await next(),
    cacheRedis: await next(),
    queueRedis: await next(),
    pgbouncer: await next(),
    replica: await next(),
  };
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
}
