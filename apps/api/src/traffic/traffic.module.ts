import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoadShedder } from './load-shedder.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * Traffic protection: load shedding and the per-request time budget (Fastify onRequest hook,
 * LoadShedder + RequestDeadlines) and rate limits (guard, after AuthGuard: import this module
 * after AuthModule).
 */
@Global()
@Module({
  providers: [
    LoadShedder,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [LoadShedder],
})
export class TrafficModule {}
