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

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.flights.get(key);
    if (existing) return existing;
    const flight = (async () => {
      try {
        return await work();
      } finally {
        this.flights.delete(key);
      }
    })();
    this.flights.set(key, flight);
    return flight;
  }
}
