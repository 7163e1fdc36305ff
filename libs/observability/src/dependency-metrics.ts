import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics.js';

const probes = new Map<string, { check: () => Promise<unknown>; timeoutMs: number }>();

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    return 1;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * 1 when this process reaches a dependency at scrape time, else 0 (each probe bounded by its
 * timeout, so a frozen dependency never hangs the scrape). Feeds the PostgreSQLUnreachable and
 * RedisUnreachable alerts (infra/prometheus/rules/conduit.rules.yml) without extra exporters,
 * measured from where it matters: the app. API: postgres, redis_cache; worker: postgres, redis_queue.
 */
export const dependencyUp = new Gauge({
  name: 'conduit_dependency_up',
  help: 'Whether this process reaches a dependency (1) or not (0), probed at scrape time',
  labelNames: ['dependency'] as const,
  registers: [metricsRegistry],
  async collect() {
    const results = await Promise.all([...probes].map(async ([name, p]) => [name, await probe(p.check, p.timeoutMs)] as const));
    for (const [name, up] of results) this.set({ dependency: name }, up);
  },
});

/** Registers (or replaces) the probe behind conduit_dependency_up{dependency=name}. */
export function registerDependencyProbe(name: string, check: () => Promise<unknown>, timeoutMs: number): void {
  probes.set(name, { check, timeoutMs });
}
