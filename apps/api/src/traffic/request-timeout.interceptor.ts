import { type CallHandler, type ExecutionContext, HttpStatus, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { metricsRegistry } from '@conduit/observability';
import { Counter } from 'prom-client';
import { type Observable, TimeoutError, catchError, throwError, timeout } from 'rxjs';
import { ApiError } from '../common/api-errors.js';

const timedOutTotal = new Counter({
  name: 'http_request_timeouts_total',
  help: 'Requests answered 503 because the handler passed REQUEST_TIMEOUT_MS',
  registers: [metricsRegistry],
});

/**
 * Request budget (pattern: timeouts on every request).
 * Protects against: a request hanging forever on a stuck dependency and holding a socket and an
 * in-flight slot. Past REQUEST_TIMEOUT_MS the client gets a clear 503 + Retry-After; the work left
 * behind is bounded by its own timeouts (statement_timeout, pool acquire, Redis commandTimeout).
 * Tested in apps/api/test/traffic/load-shedding.e2e.spec.ts ("request timeout").
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const budget = this.config.REQUEST_TIMEOUT_MS;
    return next.handle().pipe(
      timeout(budget),
      catchError((error: unknown) => {
        if (!(error instanceof TimeoutError)) return throwError(() => error);
        timedOutTotal.inc();
        return throwError(() => new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { server: [`the request took longer than ${budget} ms, please retry`] }, { 'retry-after': '1' }));
      }),
    );
  }
}
