// Knobs of the chat benchmark (env), shared by its phases and its report.
export const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
export const ROOMS = Number(process.env.BENCH_ROOMS ?? 10);
export const RATE = Number(process.env.BENCH_RATE ?? 200);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const WARMUP_SECONDS = 3;
/** A round is "quiet" when an idle Node process saw event-loop p99 at or below this (the box was not oversubscribed). */
export const QUIET_IDLE_LAG_MS = 25;

export const round = (n: number) => Math.round(n * 100) / 100;
