// TEST-ONLY preload for the resilience suite's "uncaught exception" scenario, loaded into the
// stack's API instances with NODE_OPTIONS=--import <this file> by load-tests/resilience only.
// SIGUSR2 (unused by the app) makes the instance throw from a timer: a genuine uncaught
// exception, so the app's own handler (apps/api/src/bootstrap/graceful-shutdown.ts) logs it and
// exits non-zero. Production code carries no fault hook.
process.on('SIGUSR2', () => {
  setTimeout(() => {
    throw new Error('resilience suite: uncaught exception injected via SIGUSR2 (fault-preload.mjs)');
  }, 0);
});
