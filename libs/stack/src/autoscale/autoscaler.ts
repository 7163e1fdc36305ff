import { HpaAlgorithm, perPodProposal, totalProposal, type Decision, type MetricProposal } from './hpa-algorithm.js';
import { InstanceWindow, parseMetric, processCpuSeconds, scrape } from './metric-sampler.js';
import type { AutoscalePolicy } from './policy.js';
import type { ApiPool } from './api-pool.js';
import type { PoolMember, ScaleEvent, StackAutoscaler } from './scale-event.js';
import type { WorkerPool } from './worker-pool.js';

export type { ScaleEvent } from './scale-event.js';

export interface AutoscalerParts {
  policy: AutoscalePolicy;
  api: { pool: ApiPool; min: number; max: number };
  worker?: { pool: WorkerPool; min: number; max: number };
  log: (line: string) => void;
  /** Called with a pool's members each time an instance has joined or left it (the stack rewrites Prometheus's targets). */
  onPoolChange?: (target: ScaleEvent['target'], members: PoolMember[]) => void;
  /** How often instances are sampled (default 1 s). */
  sampleIntervalMs?: number;
}

const now = () => Date.now();

/**
 * The no-Docker stack's HPA (pattern: elastic capacity): every sync period it computes what the
 * Kubernetes HPA would from the same policy file (infra/autoscaling/policy.json), CPU utilisation
 * of the pod's request and requests in flight per pod averaged over the window for the API, waiting
 * jobs for the worker (KEDA's query), and carries it out with ApiPool / WorkerPool. Each change is
 * printed with its reason and metric values. Tested in load-tests/elastic/autoscale.e2e.spec.ts (API) and worker-autoscale.e2e.spec.ts (workers).
 */
export class Autoscaler implements StackAutoscaler {
  readonly events: ScaleEvent[] = [];
  readonly decisions: Decision[] = [];
  private readonly window: InstanceWindow;
  private readonly apiHpa: HpaAlgorithm;
  private readonly workerHpa?: HpaAlgorithm;
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  private stopped = false;
  /** The last "hold" line printed per pool: a hold is printed again only when its wording (not its numbers) changes. */
  private readonly lastHold = new Map<ScaleEvent['target'], string>();
  private running = Promise.resolve();

  constructor(private readonly parts: AutoscalerParts) {
    const { policy } = parts;
    this.window = new InstanceWindow(policy.api.perPod.windowSeconds * 1000);
    this.apiHpa = new HpaAlgorithm(policy.api.behavior, parts.api.min, parts.api.max);
    if (parts.worker) this.workerHpa = new HpaAlgorithm(policy.worker.behavior, parts.worker.min, parts.worker.max);
  }

  start(): void {
    this.timers.push(setInterval(() => void this.sample(), this.parts.sampleIntervalMs ?? 1_000));
    this.timers.push(setInterval(() => void this.tick(), this.parts.policy.syncPeriodSeconds * 1000));
  }

  members(target: ScaleEvent['target']): PoolMember[] {
    if (target === 'api') return this.parts.api.pool.running().map((h) => ({ id: h.id, url: h.url }));
    return this.parts.worker?.pool.running() ?? [];
  }

  /** Stops deciding and waits for a change in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    await this.running;
  }

  private async sample(): Promise<void> {
    await Promise.all(
      this.parts.api.pool.running().map(async (h) => {
        try {
          const [inFlight] = parseMetric(await scrape(h.url), this.parts.policy.api.perPod.metric);
          const pid = h.process.pid;
          if (inFlight && pid) this.window.add(h.index, { at: now(), inFlight: inFlight.value, cpuSeconds: processCpuSeconds(pid) });
        } catch {
          // An instance that does not answer its metrics within a second is skipped this time, as the HPA skips missing pods.
        }
      }),
    );
  }

  private tick(): void {
    if (this.busy || this.stopped) return;
    this.busy = true;
    this.running = this.decideAndAct().finally(() => (this.busy = false));
  }

  private async decideAndAct(): Promise<void> {
    await this.scaleApi();
    if (this.parts.worker) await this.scaleWorkers();
  }

  private apiProposals(current: number): MetricProposal[] {
    const { api, tolerance } = this.parts.policy;
    const running = this.parts.api.pool.running();
    const inFlight = running.map((h) => this.window.inFlight(h.index)).filter((v): v is number => v !== undefined);
    const cores = running.map((h) => this.window.cores(h.index)).filter((v): v is number => v !== undefined);
    const proposals: MetricProposal[] = [];
    if (cores.length) {
      const utilization = ((cores.reduce((a, b) => a + b, 0) / cores.length) * 100_000) / api.cpu.requestMillicores;
      proposals.push(perPodProposal('cpu', current, utilization, api.cpu.targetAverageUtilization, tolerance, '%'));
    }
    if (inFlight.length) proposals.push(perPodProposal(api.perPod.metric, current, inFlight.reduce((a, b) => a + b, 0) / inFlight.length, api.perPod.targetAverageValue, tolerance));
    return proposals;
  }

  private async scaleApi(): Promise<void> {
    const { pool } = this.parts.api;
    const current = pool.size;
    const decision = this.apiHpa.decide(now(), current, this.apiProposals(current));
    this.decisions.push(decision);
    await this.carryOut(
      'api',
      decision,
      this.apiHpa,
      () => pool.add().then(() => undefined),
      async () => {
        const removed = await pool.remove();
        this.window.forget(removed.index);
      },
    );
  }

  private async scaleWorkers(): Promise<void> {
    const worker = this.parts.worker!;
    const { queueDepth, tolerance } = { ...this.parts.policy.worker, tolerance: this.parts.policy.tolerance };
    const waiting = await this.queueWaiting(worker.pool.urls(), queueDepth.metric, queueDepth.state);
    const current = worker.pool.size;
    const proposals = waiting === undefined ? [] : [totalProposal(`${queueDepth.metric}{state="${queueDepth.state}"}`, current, waiting, queueDepth.targetPerReplica, tolerance)];
    const decision = this.workerHpa!.decide(now(), current, proposals);
    await this.carryOut(
      'worker',
      decision,
      this.workerHpa!,
      () => worker.pool.add(),
      () => worker.pool.remove(),
    );
  }

  /** Waiting jobs in all queues: every worker reports the same global depth, so max by queue, then the sum (KEDA's query). */
  private async queueWaiting(urls: string[], metric: string, state: string): Promise<number | undefined> {
    const byQueue = new Map<string, number>();
    let answered = false;
    for (const url of urls) {
      try {
        for (const v of parseMetric(await scrape(url), metric)) if (v.labels.state === state) byQueue.set(v.labels.queue, Math.max(byQueue.get(v.labels.queue) ?? 0, v.value));
        answered = true;
      } catch {
        /* next worker */
      }
    }
    return answered ? [...byQueue.values()].reduce((a, b) => a + b, 0) : undefined;
  }

  private async carryOut(target: ScaleEvent['target'], d: Decision, hpa: HpaAlgorithm, add: () => Promise<void>, remove: () => Promise<void>): Promise<void> {
    const values = d.proposals.map((p) => p.detail).join('; ') || 'no metrics yet';
    if (d.desired === d.current) {
      const hold = d.proposed !== d.current ? `autoscale ${target}: hold at ${d.current}: ${d.reason} [${values}]` : '';
      if (hold && hold.replace(/[\d.]+/g, '#') !== (this.lastHold.get(target) ?? '').replace(/[\d.]+/g, '#')) this.parts.log(hold);
      this.lastHold.set(target, hold);
      return;
    }
    this.lastHold.delete(target);
    const event: ScaleEvent = { target, at: d.at, doneAt: d.at, from: d.current, to: d.desired, reason: d.reason };
    this.events.push(event);
    this.parts.log(`autoscale ${target}: ${d.current} -> ${d.desired}: ${d.reason} [${values}]`);
    hpa.recordScale(d.at, d.desired - d.current);
    const changed = () => this.parts.onPoolChange?.(target, this.members(target));
    try {
      // New instances start in parallel (as pods do); removals one after another, each drained.
      await Promise.all(Array.from({ length: Math.max(0, d.desired - d.current) }, () => add().then(changed)));
      for (let n = d.current; n > d.desired; n--) await remove().then(changed);
      event.doneAt = now();
      event.members = this.members(target).map((m) => m.id);
      this.parts.log(`autoscale ${target}: now ${d.desired} (${((event.doneAt - event.at) / 1000).toFixed(1)} s after the decision)`);
    } catch (error) {
      event.error = (error as Error).message;
      changed();
      this.parts.log(`autoscale ${target}: ${d.current} -> ${d.desired} failed: ${event.error}`);
    }
  }
}
