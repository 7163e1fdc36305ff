import type { Logger } from 'pino';

/** Logs a repeating failure (an outage) at most once per interval instead of on every retry. */
export function throttledWarn(logger: Logger, intervalMs = 10_000): (error: Error, message: string) => void {
  let last = 0;
  let suppressed = 0;
  return (error, message) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    logger.warn({ err: { message: error.message, name: error.name }, suppressed }, message);
    last = now;
    suppressed = 0;
  };
}
