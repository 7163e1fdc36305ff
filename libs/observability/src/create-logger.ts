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
  return pino(loggerOptions, options.destination ?? bufferedStdout());
}

/**
 * stdout through a buffer (pattern: batched log writes). Protects against: two synchronous
 * write(2) calls per request (pino's default when stdout is a pipe, as under a supervisor or a
 * container runtime) at LOG_LEVEL=info, which cost more CPU than formatting the lines. Lines are
 * written in blocks of >= 4 KB, at the latest every 250 ms, and flushed synchronously when the
 * process exits (pino's exit hook), so graceful shutdowns and crashes that exit lose nothing; a
 * SIGKILL can lose the last 250 ms. Cost: `npm run bench:cost`.
 */
function bufferedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      /* nothing buffered, or the stream is closing */
    }
  }, 250);
  timer.unref();
  return stream;
}
