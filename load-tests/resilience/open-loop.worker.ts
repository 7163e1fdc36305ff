// The open-loop generator's own thread (open-loop-thread.ts starts it): sends at the rate the
// main thread sets, and posts the answers back in batches.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { OpenLoopSender, type GeneratorOptions, type OpenLoopSample } from './open-loop.ts';
import type { ToSender } from './open-loop-thread.ts';

const port = parentPort!;
let batch: OpenLoopSample[] = [];
const flush = () => {
  if (batch.length) port.postMessage({ type: 'samples', samples: batch });
  batch = [];
};
const sender = new OpenLoopSender(workerData as GeneratorOptions, (s) => batch.push(s));
const flushing = setInterval(flush, 100);
// This thread's own delay is part of every latency it measures: reported, never hidden.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

port.postMessage({ type: 'ready' });
port.on('message', (m: ToSender) => {
  if (m.type === 'rate') sender.setRate(m.perSecond);
  else if (m.type === 'settle')
    void sender.settled(m.epochMs).then(() => {
      flush();
      port.postMessage({ type: 'settled', id: m.id });
    });
  else if (m.type === 'stop')
    void sender.stop().then(() => {
      clearInterval(flushing);
      flush();
      loopDelay.disable();
      port.postMessage({ type: 'stopped', skipped: sender.skipped, loopDelay: { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 } });
    });
});
