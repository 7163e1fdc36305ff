import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { mergeMap, type Observable } from 'rxjs';
import { ReadRouter } from './read-router.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every successful write request records the WAL position before its response leaves
 * (write-watermark.ts): registration, settings, chat rooms and any write that has no cache to
 * invalidate are covered too, so the client's next read, on any instance, sees what it wrote.
 * CacheInvalidation records it earlier for the writes that move cache versions. No-op without a
 * replica. Test: infra/test/db-tier/replica.e2e.spec.ts.
 */
@Injectable()
export class WriteWatermarkInterceptor implements NestInterceptor {
  constructor(private readonly reads: ReadRouter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || READS.has(context.switchToHttp().getRequest<FastifyRequest>().method)) return next.handle();
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        await this.reads.recordWrite();
        return body;
      }),
    );
  }
}
