import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.js';

describe('SingleFlight', () => {
  it('runs concurrent calls with the same key once and shares the result', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: (v: number) => void;
    const work = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const calls = Array.from({ length: 50 }, () => flights.run('k', work));
    expect(flights.inFlight).toBe(1);
    release(42);
    expect(await Promise.all(calls)).toEqual(Array(50).fill(42));
    expect(runs).toBe(1);
    expect(flights.inFlight).toBe(0);
  });

  it('shares failures and forgets the key afterwards', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const failing = () => {
      runs++;
      return Promise.reject(new Error('db down'));
    };
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    expect(await flights.run('k', async () => 7)).toBe(7);
  });

  it('lets callers join by an alias, and forgets aliases afterwards', async () => {
    const flights = new SingleFlight<string>();
    let runs = 0;
    let release!: (v: string) => void;
    const first = flights.run(
      'k@v1',
      () => {
        runs++;
        return new Promise<string>((r) => (release = r));
      },
      ['k@local0'],
    );
    const joined = flights.run('k@local0', async () => {
      runs++;
      return 'second';
    });
    const other = flights.run('k@v2', async () => {
      runs++;
      return 'newer';
    });
    release('first');
    expect(await Promise.all([first, joined, other])).toEqual(['first', 'first', 'newer']);
    expect(runs).toBe(2);
    expect(flights.inFlight).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    expect([a, b]).toEqual(['A', 'B']);
  });
});
