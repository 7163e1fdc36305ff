export { createLogger, REDACTED_PATHS } from './create-logger.js';
export { PinoNestLogger } from './pino-nest-logger.js';
export { metricsRegistry, httpRequestDuration, httpRequestsTotal } from './metrics.js';
export { eventLoopDelay, EVENT_LOOP_CHECK_MS, type EventLoopDelayWindow } from './event-loop-delay.js';
export { dependencyUp, registerDependencyProbe } from './dependency-metrics.js';
