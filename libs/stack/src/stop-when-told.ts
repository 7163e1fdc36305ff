/**
 * Calls `stop` on Ctrl-C, SIGTERM or SIGHUP, and when whoever started this process dies without a
 * signal (npm/sh, a closed terminal, kill -9 of the tsx wrapper): we are then re-parented, so the
 * children must go too. Used by the stack and dev-mode CLIs.
 */
export function stopWhenTold(stop: (reason: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent process exited');
  }, 1_000).unref();
}
