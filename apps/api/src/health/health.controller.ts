import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { Public } from '../auth/auth.decorators.js';
import { DatabaseHealthIndicator } from './indicators/database.health.js';
import { RedisHealthIndicator } from './indicators/redis.health.js';
import { RuntimeHealthIndicator } from './indicators/runtime.health.js';

/**
 * Liveness vs readiness (pattern: health checks for the load balancer).
 * - /health/live: the process answers; no dependency checks, so a database outage never
 *   makes an orchestrator restart healthy processes.
 * - /health/ready: 503 when this instance cannot serve (PostgreSQL down, overloaded,
 *   draining for shutdown). Redis is shown as degraded only (the cache fails open).
 * Tested in apps/api/test/health/health.e2e.spec.ts and shutdown.e2e.spec.ts.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly runtime: RuntimeHealthIndicator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const timeout = this.config.HEALTH_CHECK_TIMEOUT_MS;
    try {
      return await this.checks(timeout);
    } catch (error) {
      // Terminus throws 503 with the per-check details; answer them as-is (the RealWorld error
      // filter would reduce them to a message, and operators need to see WHICH check failed).
      if (error instanceof ServiceUnavailableException) {
        reply.status(503);
        return error.getResponse();
      }
      throw error;
    }
  }

  private checks(timeout: number) {
    return this.health.check([
      () => this.runtime.shutdown(),
      () => this.runtime.load(),
      () => this.database.check(timeout),
      () => this.redis.check(timeout),
      () => this.runtime.eventLoop(this.config.HEALTH_MAX_EVENT_LOOP_DELAY_MS),
      () => this.runtime.heap(this.config.HEALTH_MAX_HEAP_BYTES),
    ]);
  }
}
