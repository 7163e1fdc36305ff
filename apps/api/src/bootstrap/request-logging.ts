import type { AppConfig } from '@conduit/config';
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { isWarmupRequest } from '../warmup/warmup-marker.js';

/** At most this many slow/failed-request lines per second per instance; the rest are counted. */
const MAX_LINES_PER_SECOND = 10;

/**
 * Request logging that costs nothing per ordinary request.
 *
 * Fastify logs two lines per request ("incoming request", "request completed") at info level:
 * at LOG_LEVEL=info (what `npm start` runs) that was 2 JSON lines per request, ~212,000 lines per
 * instance in a 2-minute 1000-user run, all CPU spent on the hot path. HAProxy already logs every
 * request at the edge, and http_request_duration_seconds counts them by route. So:
 * - at debug or trace, Fastify's own two lines per request (development);
 * - above that, one warn line per request that failed with a 5xx (other than 503: shed or
 *   unavailable, already counted by metrics) or took LOG_SLOW_REQUEST_MS or longer, at most
 *   MAX_LINES_PER_SECOND a second (an overload must not also become a logging storm): the next
 *   line says how many were left out.
 * Above debug a request's child logger (request.log, bound to its reqId) is also made only when
 * something logs through it (LazyChildLogger): making it costs a pino child per request.
 * Test: apps/api/test/observability/request-logging.e2e.spec.ts.
 */
export function fastifyRequestLogging(config: AppConfig): {
  logController: LogController;
  childLoggerFactory?: (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) => FastifyBaseLogger;
} {
  const off = perRequestLinesOff(config);
  return {
    logController: new LogController({ disableRequestLogging: off }),
    ...(off && { childLoggerFactory: (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) => new LazyChildLogger(logger, bindings, options) }),
  };
}

type LogArgs = Parameters<FastifyBaseLogger['info']>;

/** A request's child logger, made on first use (most requests never log). */
class LazyChildLogger implements FastifyBaseLogger {
  private made?: FastifyBaseLogger;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
  fatal(...args: LogArgs): void {
    this.logger.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.logger.error(...args);
  }
  warn(...args: LogArgs): void {
    this.logger.warn(...args);
  }
  info(...args: LogArgs): void {
    this.logger.info(...args);
  }
  debug(...args: LogArgs): void {
    this.logger.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.logger.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.logger.silent(...args);
  }
}

/** Fastify's own per-request lines only at debug and trace. */
function perRequestLinesOff(config: AppConfig): boolean {
  return !['debug', 'trace'].includes(config.LOG_LEVEL);
}

export function installSlowRequestLog(fastify: FastifyInstance, config: AppConfig): void {
  if (!perRequestLinesOff(config)) return;
  let second = 0;
  let lines = 0;
  let suppressed = 0;
  fastify.addHook('onResponse', (request, reply, done) => {
    logIfSlowOrFailed(request, reply);
    done();
  });
  function logIfSlowOrFailed(request: FastifyRequest, reply: FastifyReply): void {
    const ms = reply.elapsedTime;
    const failed = reply.statusCode >= 500 && reply.statusCode !== 503;
    if ((!failed && ms < config.LOG_SLOW_REQUEST_MS) || isWarmupRequest(request.headers)) return;
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      lines = 0;
    }
    if (++lines > MAX_LINES_PER_SECOND) {
      suppressed++;
      return;
    }
    const route = request.routeOptions.url ?? 'unmatched';
    request.log.warn({ method: request.method, route, statusCode: reply.statusCode, ms: Math.round(ms), suppressedBefore: suppressed || undefined }, failed ? 'request failed' : 'slow request');
    suppressed = 0;
  }
}
