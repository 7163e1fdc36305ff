/**
 * Per-instance request coalescing (pattern: single-flight).
 * Protects against: a burst of concurrent misses on one key each running the same database
 * query. Callers with the same key share one in-flight promise; the key must include the
 * versions read before computing, so a reader that starts after a write never joins a
 * computation that began before it.
 * Tested in libs/cache/src/single-flight.spec.ts and apps/api/test/cache/stampede.e2e.spec.ts.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  get inFlight(): number {
    return this.flights.size;
  }

  /**
   * Joins the flight registered under `key`, or starts one and registers it under `key` and
   * under each free alias (a weaker key that other callers may also join it by).
   */
  run(key: string, work: () => Promise<T>, aliases: readonly string[] = []): Promise<T> {
    const existing = this.flights.get(key);
    if (existing) return existing;
    const keys = [key, ...aliases.filter((alias) => !this.flights.has(alias))];
    const forget = () => {
      for (const k of keys) if (this.flights.get(k) === flight) this.flights.delete(k);
    };
    const flight: Promise<T> = (async () => {
      try {
        return await work();
      } finally {
        queueMicrotask(forget); // after `flight` is assigned, even if work() threw synchronously
      }
    })();
    for (const k of keys) this.flights.set(k, flight);
    return flight;
  }
}
