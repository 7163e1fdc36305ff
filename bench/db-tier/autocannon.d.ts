// What the db-tier benchmark adds to bench/cache/autocannon.d.ts: a journey of requests, taken in turn.
declare module 'autocannon' {
  interface Options {
    requests?: Array<{ method: string; path: string; headers?: Record<string, string> }>;
  }
}
