// The overload scenario's handle on the open-loop generator, which runs in a worker thread
// (open-loop.worker.ts). In the suite's own thread, the generator shared one event loop with the
// steady load, the chat probes and the bookkeeping: at 3x it could not keep its rate (809 of
// 3,057 req/s offered) and every latency it measured included its own loop's delay. Same
// interface as before: `samples` (send times in this thread's performance.now()), `setRate`,
// `settled` (wait for the answers of everything sent before a time), `stop`, `skipped`.
import { Worker } from 'node:worker_threads';
import type { GeneratorOptions, OpenLoopSample } from './open-loop.ts';

export type ToSender = { type: 'rate'; perSecond: number } | { type: 'settle'; id: number; epochMs: number } | { type: 'stop' };
type FromSender = { type: 'ready' } | { type: 'samples'; samples: OpenLoopSample[] } | { type: 'settled'; id: number } | { type: 'stopped'; skipped: number; loopDelay: GeneratorLoopDelay };

/** The generator thread's own event-loop delay over the run: added to every latency it measured. */
export interface GeneratorLoopDelay {
  p99Ms: number;
  maxMs: number;
}

export class OpenLoopGenerator {
  readonly samples: OpenLoopSample[] = [];
  skipped = 0;
  loopDelay?: GeneratorLoopDelay;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, () => void>();
  private nextId = 0;
  private stopped?: () => void;
  private failure?: Error;
  private readonly started: Promise<void>;

  constructor(options: GeneratorOptions) {
    // A .mjs entry that registers tsx's loader in the new thread, then loads open-loop.worker.ts.
    this.worker = new Worker(new URL('./open-loop.worker.mjs', import.meta.url), { workerData: options });
    let onReady = () => {};
    this.started = new Promise<void>((resolve) => (onReady = resolve));
    this.worker.on('message', (m: FromSender) => {
      if (m.type === 'ready') onReady();
      else if (m.type === 'samples') for (const s of m.samples) this.samples.push({ ...s, at: s.at - performance.timeOrigin });
      else if (m.type === 'settled') this.waiting.get(m.id)?.();
      else {
        this.skipped = m.skipped;
        this.loopDelay = m.loopDelay;
        this.stopped?.();
      }
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      onReady();
      for (const resolve of this.waiting.values()) resolve();
      this.stopped?.();
    });
  }

  /** Resolves once the thread is up (loading it takes a few hundred ms): then rates take effect at once. */
  async ready(): Promise<void> {
    await this.started;
    if (this.failure) throw this.failure;
  }

  setRate(perSecond: number): void {
    this.worker.postMessage({ type: 'rate', perSecond } satisfies ToSender);
  }

  /** Waits until every request sent before `at` (this thread's performance.now()) is answered and its sample is here. */
  async settled(at: number): Promise<void> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ type: 'settle', id, epochMs: at + performance.timeOrigin } satisfies ToSender);
    });
    this.waiting.delete(id);
    if (this.failure) throw this.failure;
  }

  async stop(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve) => {
      this.stopped = resolve;
      this.worker.postMessage({ type: 'stop' } satisfies ToSender);
    });
    await this.worker.terminate();
    if (this.failure) throw this.failure;
  }
}
