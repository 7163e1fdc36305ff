import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs. Secrets never reach the log: credentials in headers and bodies
 * are redacted, and request bodies are not logged at all.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.jwt',
  '*.authorization',
];

export function createLogger(options: { level: string; name: string; instanceId?: string; destination?: pino.DestinationStream }): Logger {
  const loggerOptions: LoggerOptions = {
    name: options.name,
    level: options.level,
    base: { instance: options.instanceId, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
}
