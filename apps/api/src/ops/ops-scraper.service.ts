import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { OpsInstance, OpsOverview } from '@conduit/contracts';
import { metricsRegistry } from '@conduit/observability';
import { apiFigures, queueDepths, type Scrape } from './ops-figures.js';
import { parsePrometheusText } from './prometheus-text.js';

interface Target {
  name: string;
  /** undefined: this instance, read in-process. */
  url?: string;
}

/**
 * Reads every configured instance for the /ops page (pattern: aggregate on request, bounded): its
 * /metrics and /health/ready in parallel, each call under OPS_SCRAPE_TIMEOUT_MS, so one hung
 * instance costs the page one timeout and shows as down, never a hung request. Rates come from the
 * difference with this instance's previous read of the same target (kept in memory).
 * Tested in apps/api/test/ops/ops.e2e.spec.ts and apps/web/e2e/ops.steps.ts.
 */
@Injectable()
export class OpsScraper {
  private readonly targets: Target[];
  private readonly previous = new Map<string, Scrape>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.targets = config.OPS_METRICS_TARGETS.length
      ? config.OPS_METRICS_TARGETS.map((pair) => {
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), url: pair.slice(at + 1).replace(/\/$/, '') };
        })
      : [{ name: config.INSTANCE_ID }];
  }

  async overview(): Promise<OpsOverview> {
    const instances = await Promise.all(this.targets.map((t) => this.read(t)));
    const sum = (pick: (i: OpsInstance) => number | null) => {
      const values = instances.map(pick).filter((v): v is number => v !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) : null;
    };
    return {
      at: new Date().toISOString(),
      servedBy: this.config.INSTANCE_ID,
      instances,
      totals: { requestsPerSecond: sum((i) => i.requestsPerSecond), shedPerSecond: sum((i) => i.shedPerSecond), chatConnections: sum((i) => i.chatConnections) ?? 0 },
    };
  }

  private async read(target: Target): Promise<OpsInstance> {
    const [metrics, ready] = await Promise.allSettled([this.metricsText(target), this.readiness(target)]);
    if (metrics.status === 'rejected') {
      this.previous.delete(target.name);
      return {
        name: target.name,
        kind: target.name.startsWith('worker') ? 'worker' : 'api',
        state: 'down',
        detail: describe(metrics.reason),
        requestsPerSecond: null,
        p95Ms: null,
        cacheHitRatio: null,
        shedPerSecond: null,
        chatConnections: null,
      };
    }
    const current: Scrape = { at: Date.now(), samples: parsePrometheusText(metrics.value) };
    const before = this.previous.get(target.name);
    this.previous.set(target.name, current);
    const state = ready.status === 'fulfilled' ? ready.value : 'down';
    const detail = ready.status === 'rejected' ? describe(ready.reason) : undefined;
    const worker = current.samples.some((s) => s.name === 'queue_jobs');
    if (worker)
      return {
        name: target.name,
        kind: 'worker',
        state,
        detail,
        requestsPerSecond: null,
        p95Ms: null,
        cacheHitRatio: null,
        shedPerSecond: null,
        chatConnections: null,
        queues: queueDepths(current.samples),
      };
    return { name: target.name, kind: 'api', state, detail, ...apiFigures(before, current) };
  }

  private async metricsText(target: Target): Promise<string> {
    if (!target.url) return metricsRegistry.metrics();
    const response = await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(this.config.OPS_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  }

  private async readiness(target: Target): Promise<OpsInstance['state']> {
    if (!target.url) return 'ready'; // this instance is answering this request
    const response = await fetch(`${target.url}/health/ready`, { signal: AbortSignal.timeout(this.config.OPS_SCRAPE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? 'ready' : 'not-ready';
  }
}

function describe(reason: unknown): string {
  const error = reason as Error;
  return error?.name === 'TimeoutError' ? 'no answer in time' : (error?.message ?? String(reason));
}
