import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { LoadShedder } from './load-shedder.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RequestTimeoutInterceptor } from './request-timeout.interceptor.js';

/**
 * Traffic protection: load shedding (Fastify hook), rate limits (guard, after AuthGuard: import
 * this module after AuthModule) and the per-request time budget (interceptor).
 */
@Global()
@Module({
  providers: [
    LoadShedder,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: RequestTimeoutInterceptor },
  ],
  exports: [LoadShedder],
})
export class TrafficModule {}
