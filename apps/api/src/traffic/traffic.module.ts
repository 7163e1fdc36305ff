import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LOAD_REPORT } from './load-report.js';
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
    RateLimitGuard,
    // The same instance as the global guard and for the cached-read fast path (cache/cached-read.fast-path.ts).
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: LOAD_REPORT, useExisting: LoadShedder },
  ],
  exports: [LoadShedder, RateLimitGuard, LOAD_REPORT],
})
export class TrafficModule {}
