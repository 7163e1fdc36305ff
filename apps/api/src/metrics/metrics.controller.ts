import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from '@conduit/observability';
import { Public } from '../auth/auth.decorators.js';

/** Prometheus scrape endpoint (served outside the /api prefix). */
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
