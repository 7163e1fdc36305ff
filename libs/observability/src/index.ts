export { createLogger, REDACTED_PATHS } from './create-logger.js';
export { PinoNestLogger } from './pino-nest-logger.js';
export { metricsRegistry, httpRequestDuration, httpRequestsTotal } from './metrics.js';
export { dependencyUp, registerDependencyProbe } from './dependency-metrics.js';
