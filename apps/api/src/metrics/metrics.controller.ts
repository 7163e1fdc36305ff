import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { metricsRegistry } from '@conduit/observability';
import { Public } from '../auth/auth.decorators.js';

/** Prometheus scrape endpoint (served outside the /api prefix). */
@Public()
@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  @Get()
  @ApiOperation({ operationId: 'Metrics', summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
