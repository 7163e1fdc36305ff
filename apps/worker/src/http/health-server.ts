import { Inject, Injectable } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { metricsRegistry, registerDependencyProbe } from '@conduit/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { PG_POOL, QUEUE_REDIS, WORKER_CONFIG } from '../infra/tokens.js';

/**
 * The worker's only HTTP surface: /health/live, /health/ready and /metrics (no public API).
 * - live: the process answers (an orchestrator restarts it otherwise).
 * - ready: PostgreSQL and the queue Redis answer within HEALTH_CHECK_TIMEOUT_MS and the
 *   process is not shutting down.
 */
@Injectable()
export class HealthServer {
  private readonly server: FastifyInstance;
  private draining = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
  ) {
    this.server = Fastify({ logger: false, forceCloseConnections: true });
    // conduit_dependency_up{dependency=...} on /metrics: PostgreSQLUnreachable / RedisUnreachable alerts.
    registerDependencyProbe('postgres', () => this.pool.query('SELECT 1'), config.HEALTH_CHECK_TIMEOUT_MS);
    registerDependencyProbe('redis_queue', () => this.redis.ping(), config.HEALTH_CHECK_TIMEOUT_MS);
    this.server.get('/health/live', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
    this.server.get('/health/ready', async (_request, reply) => {
      const checks = {
        shutdown: this.draining ? 'down' : 'up',
        database: await this.probe(() => this.pool.query('SELECT 1')),
        queueRedis: await this.probe(() => this.redis.ping()),
      };
      const ok = Object.values(checks).every((state) => state === 'up');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', checks });
    });
    this.server.get('/metrics', async (_request, reply) => {
      if (!this.config.METRICS_ENABLED) return reply.status(404).send();
      return reply
        .header('content-type', metricsRegistry.contentType)
        .header('cache-control', 'no-store')
        .send(await metricsRegistry.metrics());
    });
  }

  async listen(): Promise<number> {
    await this.server.listen({ host: this.config.WORKER_HOST, port: this.config.WORKER_PORT });
    return (this.server.server.address() as { port: number }).port;
  }

  startDraining(): void {
    this.draining = true;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), this.config.HEALTH_CHECK_TIMEOUT_MS)))]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }
}
