import { describe, expect, it } from 'vitest';
import { BulkheadFull, HashingBulkhead } from './hashing-bulkhead.js';

/** A task that finishes when told to: the test controls the order, not the clock. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** A bulkhead on a test clock, taught that a hash takes `ms` (ten tasks: the fewest it bases a refusal on). */
async function taughtOnClock(options: { concurrency: number; maxWaitMs: number }, ms = 40) {
  const clock = { now: 0 };
  const bulkhead = new HashingBulkhead({ ...options, maxQueued: 100, now: () => clock.now });
  for (let i = 0; i < 10; i++)
    await bulkhead.run(async () => {
      clock.now += ms;
    });
  return { bulkhead, clock };
}

describe('HashingBulkhead', () => {
  it('runs at most `concurrency` tasks at once and starts the queued ones first come, first served', async () => {
    const bulkhead = new HashingBulkhead({ concurrency: 1, maxQueued: 10, maxWaitMs: 60_000 });
    const order: string[] = [];
    const gates = [gate(), gate(), gate()];
    const tasks = ['a', 'b', 'c'].map((name, i) =>
      bulkhead.run(async () => {
        order.push(`start ${name}`);
        await gates[i].opened;
        order.push(`end ${name}`);
        return name;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(bulkhead.stats()).toEqual({ running: 1, queued: 2 });
    expect(order).toEqual(['start a']);
    gates[0].open();
    gates[1].open();
    gates[2].open();
    expect(await Promise.all(tasks)).toEqual(['a', 'b', 'c']);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(bulkhead.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses at once when the queue is full, and releases the slot when a task fails', async () => {
    const bulkhead = new HashingBulkhead({ concurrency: 1, maxQueued: 1, maxWaitMs: 60_000 });
    const first = gate();
    const running = bulkhead.run(() =>
      first.opened.then(() => {
        throw new Error('hash failed');
      }),
    );
    const queued = bulkhead.run(async () => 'queued ran');
    await expect(bulkhead.run(async () => 'never')).rejects.toEqual(new BulkheadFull('queue_full'));
    first.open();
    await expect(running).rejects.toThrow('hash failed');
    expect(await queued).toBe('queued ran');
    expect(bulkhead.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('gives up on a wait longer than maxWaitMs, and the waiter never runs afterwards', async () => {
    const bulkhead = new HashingBulkhead({ concurrency: 1, maxQueued: 5, maxWaitMs: 20 });
    const first = gate();
    const running = bulkhead.run(() => first.opened);
    let ran = false;
    await expect(
      bulkhead.run(async () => {
        ran = true;
      }),
    ).rejects.toEqual(new BulkheadFull('wait_timeout'));
    expect(bulkhead.stats()).toEqual({ running: 1, queued: 0 });
    first.open();
    await running;
    expect(ran).toBe(false);
    expect(bulkhead.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses at once when the work already queued would outlast maxWaitMs (from the recent task times)', async () => {
    // Taught that a task takes 40 ms.
    const { bulkhead } = await taughtOnClock({ concurrency: 2, maxWaitMs: 100 });
    expect(bulkhead.expectedWaitMs()).toBe(20);
    const gates = Array.from({ length: 2 + 5 }, gate);
    const started: number[] = [];
    const accepted = gates.slice(0, 2 + 4).map((g, i) =>
      bulkhead.run(async () => {
        started.push(i);
        await g.opened;
      }),
    );
    // 2 running, 4 queued: a fifth in the queue would wait (5 / 2) x 40 = 100 ms, still within the bound...
    expect(bulkhead.stats()).toEqual({ running: 2, queued: 4 });
    expect(bulkhead.expectedWaitMs()).toBe(100);
    const fifth = bulkhead.run(() => gates[6].opened);
    // ...a sixth would wait 120 ms: refused without waiting, and nothing it asked for runs.
    await expect(bulkhead.run(async () => started.push(99))).rejects.toEqual(new BulkheadFull('expected_wait'));
    expect(bulkhead.stats()).toEqual({ running: 2, queued: 5 });
    gates.forEach((g) => g.open());
    await Promise.all([...accepted, fifth]);
    expect(started).not.toContain(99);
    expect(bulkhead.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('does not refuse at once on the first, slow tasks of a process: they wait within maxWaitMs instead', async () => {
    let clock = 0;
    const bulkhead = new HashingBulkhead({ concurrency: 1, maxQueued: 100, maxWaitMs: 100, now: () => clock });
    // A cold first task of 400 ms, then fast ones: the mean rests on too few tasks to refuse anyone.
    await bulkhead.run(async () => {
      clock += 400;
    });
    expect(bulkhead.expectedWaitMs()).toBe(0);
    const first = gate();
    const running = bulkhead.run(() => first.opened);
    const queued = [bulkhead.run(async () => 'second'), bulkhead.run(async () => 'third')];
    expect(bulkhead.stats()).toEqual({ running: 1, queued: 2 });
    first.open();
    await expect(Promise.all([running, ...queued])).resolves.toEqual([undefined, 'second', 'third']);
    // From the tenth task on it estimates, from the plain mean of the first ten (the cold one weighs
    // a tenth: 400 + 3 x 0 + 6 x 40 ms = 64 ms) plus their spread, still large after so uneven a start.
    for (let i = 0; i < 6; i++)
      await bulkhead.run(async () => {
        clock += 40;
      });
    expect(bulkhead.expectedWaitMs()).toBeGreaterThan(64);
    expect(bulkhead.expectedWaitMs()).toBeLessThan(400);
  });

  it('allows for the spread of task times: with the same mean, uneven tasks refuse at a shorter queue', async () => {
    const taught = async (times: number[]) => {
      let clock = 0;
      const bulkhead = new HashingBulkhead({ concurrency: 1, maxQueued: 100, maxWaitMs: 100, now: () => clock });
      for (const ms of times)
        await bulkhead.run(async () => {
          clock += ms;
        });
      return bulkhead;
    };
    // Even tasks of 40 ms: no spread. Uneven ones, 20 and 60 ms in turn: mean 40 ms, spread ~20 ms.
    const even = await taught(Array.from({ length: 40 }, () => 40));
    const uneven = await taught(Array.from({ length: 40 }, (_, i) => (i % 2 ? 60 : 20)));
    expect(even.expectedWaitMs()).toBe(40);
    expect(uneven.expectedWaitMs()).toBeGreaterThan(55);
    expect(uneven.expectedWaitMs()).toBeLessThan(65);
    // One running and one queued: a newcomer would wait 2 x 40 = 80 ms (let in) or 2 x ~60 = ~120 ms (refused at once).
    const held = [gate(), gate()];
    const even2 = [even.run(() => held[0].opened), even.run(() => held[0].opened)];
    const uneven2 = [uneven.run(() => held[1].opened), uneven.run(() => held[1].opened)];
    const letIn = even.run(async () => 'ran');
    await expect(uneven.run(async () => 'never')).rejects.toEqual(new BulkheadFull('expected_wait'));
    held.forEach((g) => g.open());
    await Promise.all([...even2, ...uneven2]);
    expect(await letIn).toBe('ran');
  });

  it('refuses a waiter as soon as the newest task times say it cannot start in time, not when its wait runs out', async () => {
    const { bulkhead, clock } = await taughtOnClock({ concurrency: 1, maxWaitMs: 100 });
    // One running; two queued, expected to start after 40 and 80 ms: both let in (<= 100 ms).
    const slow = gate();
    const running = bulkhead.run(async () => {
      await slow.opened;
      clock.now += 90; // the box got busier: this hash took 90 ms
    });
    const next = bulkhead.run(async () => 'next');
    const last = bulkhead.run(async () => 'last');
    expect(bulkhead.stats()).toEqual({ running: 1, queued: 2 });
    slow.open();
    await running;
    // Now 90 ms into the wait with a task time of 45 ms + 5 ms spread: `next` starts at once; `last`
    // would start at ~140 ms, past its deadline (100 ms), so it is refused now - by the estimate,
    // not by the timer (which would say wait_timeout).
    await expect(last).rejects.toEqual(new BulkheadFull('expected_wait'));
    await expect(next).resolves.toBe('next');
    expect(bulkhead.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('keeps waiters that can still start in time when a task ends', async () => {
    const { bulkhead, clock } = await taughtOnClock({ concurrency: 1, maxWaitMs: 200 });
    const held = gate();
    const running = bulkhead.run(async () => {
      await held.opened;
      clock.now += 40;
    });
    const queued = [1, 2, 3].map((n) => bulkhead.run(async () => n));
    held.open();
    await running;
    // 40 ms in, at 40 ms a task: the last starts at ~120 ms of its 200 ms.
    await expect(Promise.all(queued)).resolves.toEqual([1, 2, 3]);
  });
});
