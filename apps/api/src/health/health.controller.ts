import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { HealthState } from './health-state.js';

/**
 * Liveness vs readiness (pattern: health checks for the load balancer).
 * - /health/live: the process answers; no dependency checks, so a database outage never
 *   makes an orchestrator restart healthy processes.
 * - /health/ready: 503 only when this instance cannot serve at all (draining, PostgreSQL
 *   unreachable, heap past its ceiling); never because it is busy (see HealthState).
 * Normally answered earlier, in the first Fastify hook (health-endpoints.ts); these routes declare
 * the paths and answer the same state if that hook is not installed (e.g. a bare Nest app).
 * Tested in apps/api/test/health/health.e2e.spec.ts and shutdown.e2e.spec.ts.
 */
@Public()
@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthState) {}

  @Get('live')
  @ApiOperation({ operationId: 'Live', summary: 'Liveness: the process answers (no dependency checks)' })
  live() {
    return this.health.live();
  }

  @Get('ready')
  @ApiOperation({ operationId: 'Ready', summary: 'Readiness: 503 only when this instance cannot serve (draining, PostgreSQL unreachable)' })
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = this.health.ready();
    if (report.status === 'error') reply.status(503);
    return report;
  }
}
