import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { QueueName } from './queue-names.js';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  queues: Record<QueueName, Queue>;
  batchSize: number;
  pollIntervalMs: number;
  /** Bound on one relay call to Redis; past it the batch is rolled back and retried. */
  addTimeoutMs?: number;
  onRelayed?: (count: number) => void;
  onError?: (error: Error) => void;
}

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: unknown;
}

/**
 * Transactional outbox relay (pattern: "nothing accepted is lost").
 * Requests write jobs to `job_outbox` in the same PostgreSQL transaction as their data; this
 * loop moves them to BullMQ and deletes them. If the queue Redis is down, the batch is rolled
 * back and retried on the next tick: rows wait in PostgreSQL, nothing is lost.
 * - Several relays (worker replicas) run safely side by side: FOR UPDATE SKIP LOCKED gives
 *   each a disjoint batch.
 * - At-least-once: a crash between the Redis add and the DELETE relays a row again; the
 *   deterministic job id makes BullMQ ignore it, and handlers are idempotent anyway.
 * Test: apps/worker/test/outbox.e2e.spec.ts.
 */
export class OutboxRelay {
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops polling; an in-flight batch finishes (or rolls back) first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Relays one batch; returns how many jobs were handed to BullMQ. */
  async relayOnce(): Promise<number> {
    const { pool, queues, batchSize, addTimeoutMs = 5_000 } = this.options;
    const client = await pool.connect();
    // A checked-out client has no pool 'error' listener: a connection dropped while this batch
    // waits on the queue Redis (pg_terminate_backend, PostgreSQL restart, network reset) would
    // emit an unhandled 'error' and kill the worker. Keep it, and discard the connection after
    // any failure (release(err)) instead of returning a possibly broken one to the pool.
    // Found by npm run test:resilience ("PostgreSQL slow"); test: outbox-relay-connection-loss.int.spec.ts.
    let connectionError: Error | undefined;
    const onConnectionError = (error: Error) => {
      connectionError = error;
    };
    client.on('error', onConnectionError);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      // Oldest first through the primary key; SKIP LOCKED: rows another relay holds are left to it.
      const { rows } = await client.query<OutboxRow>('SELECT id, queue, job_name, job_id, payload FROM job_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED', [batchSize]);
      const relayed: string[] = [];
      const byQueue = new Map<Queue, OutboxRow[]>();
      for (const row of rows) {
        const queue = queues[row.queue as QueueName];
        if (!queue) {
          this.options.onError?.(new Error(`outbox row ${row.id} names unknown queue "${row.queue}"; left in place`));
          continue;
        }
        byQueue.set(queue, [...(byQueue.get(queue) ?? []), row]);
      }
      for (const [queue, queueRows] of byQueue) {
        await withTimeout(queue.addBulk(queueRows.map((r) => ({ name: r.job_name, data: r.payload, opts: { jobId: r.job_id } }))), addTimeoutMs, 'queue Redis did not accept the jobs in time');
        relayed.push(...queueRows.map((r) => r.id));
      }
      if (relayed.length) await client.query('DELETE FROM job_outbox WHERE id = ANY($1::bigint[])', [relayed]);
      await client.query('COMMIT');
      if (relayed.length) this.options.onRelayed?.(relayed.length);
      return relayed.length;
    } catch (error) {
      failed = (connectionError ?? error) as Error;
      if (!connectionError) await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.off('error', onConnectionError);
      client.release(failed ?? connectionError);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let relayed = 0;
      try {
        relayed = await this.relayOnce();
        failures = 0;
      } catch (error) {
        failures++;
        this.options.onError?.(error as Error);
      }
      if (this.stopped) break;
      // A full batch means more may be waiting: go again at once. Otherwise poll, backing off
      // (up to 10 x the interval) while Redis or PostgreSQL is failing.
      if (relayed >= this.options.batchSize) continue;
      await this.sleep(this.options.pollIntervalMs * Math.min(2 ** failures, 10));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
