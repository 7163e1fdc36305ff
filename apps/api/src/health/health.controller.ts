import { Controller, Get, Inject } from '@nestjs/common';
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
  ready() {
    const timeout = this.config.HEALTH_CHECK_TIMEOUT_MS;
    return this.health.check([
      () => this.runtime.shutdown(),
      () => this.database.check(timeout),
      () => this.redis.check(timeout),
      () => this.runtime.eventLoop(this.config.HEALTH_MAX_EVENT_LOOP_DELAY_MS),
      () => this.runtime.heap(this.config.HEALTH_MAX_HEAP_BYTES),
    ]);
  }
}
