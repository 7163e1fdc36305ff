import { describe, expect, it } from 'vitest';
import type { K8sObject } from './kustomize.js';
import { parseBudget, policy, readYaml, renderAll, type Rendered } from './rendered.js';

/**
 * The HPA, the KEDA ScaledObject and prometheus-adapter's rule follow infra/autoscaling/policy.json,
 * the same file the no-Docker stack's autoscaler reads (libs/stack/src/autoscale); the connection
 * budget written next to maxReplicas holds for each overlay.
 */
const overlays = renderAll();
const hpaSpec = (r: Rendered) => r.get('HorizontalPodAutoscaler', 'api').spec as Record<string, unknown> & { minReplicas: number; maxReplicas: number; metrics: unknown[]; behavior: unknown };
const scaledObject = (r: Rendered) =>
  r.get('ScaledObject', 'worker').spec as {
    minReplicaCount: number;
    maxReplicaCount: number;
    pollingInterval: number;
    advanced: { horizontalPodAutoscalerConfig: { behavior: unknown } };
    triggers: Array<{ type: string; metricType: string; metadata: Record<string, string> }>;
  };

describe.each(overlays.map((o) => [o.name, o] as const))('overlay %s', (name, rendered) => {
  it('scales the API on CPU and on requests in flight per pod, with the policy file targets and behaviour', () => {
    const spec = hpaSpec(rendered);
    expect(spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: policy.api.cpu.targetAverageUtilization } } },
      { type: 'Pods', pods: { metric: { name: policy.api.perPod.metric }, target: { type: 'AverageValue', averageValue: String(policy.api.perPod.targetAverageValue) } } },
    ]);
    expect(spec.behavior).toEqual(policy.api.behavior);
    // Utilisation is a share of the pod's CPU request: the stack's autoscaler uses the same request.
    if (name.startsWith('production')) expect(rendered.container('Deployment', 'api').resources?.requests?.cpu).toBe(`${policy.api.cpu.requestMillicores}m`);
    if (!name.startsWith('production')) expect([spec.minReplicas, spec.maxReplicas]).toEqual([policy.api.minReplicas, policy.api.maxReplicas]);
  });

  it('scales the worker on queue depth through KEDA with the policy file query, threshold and behaviour', () => {
    const spec = scaledObject(rendered);
    expect(spec.triggers).toHaveLength(1);
    const [trigger] = spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metricType).toBe('AverageValue');
    expect(trigger.metadata.query).toBe(policy.worker.queueDepth.query);
    expect(trigger.metadata.threshold).toBe(String(policy.worker.queueDepth.targetPerReplica));
    expect(spec.pollingInterval).toBe(policy.syncPeriodSeconds);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual(policy.worker.behavior);
    if (!name.startsWith('production')) expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([policy.worker.minReplicas, policy.worker.maxReplicas]);
  });

  it('fits the connection budget at maxReplicas (pods x DB_POOL_MAX + workers x WORKER_DB_POOL_MAX + reserve <= max_connections)', () => {
    const hpa: K8sObject = rendered.get('HorizontalPodAutoscaler', 'api');
    const budget = parseBudget(hpa.metadata.annotations?.['conduit.example.com/connection-budget'] ?? '');
    const env = rendered.environment;
    expect(budget.api).toBe(hpaSpec(rendered).maxReplicas);
    expect(budget.pool).toBe(Number(env.DB_POOL_MAX));
    expect(budget.workers).toBe(scaledObject(rendered).maxReplicaCount);
    expect(budget.workerPool).toBe(Number(env.WORKER_DB_POOL_MAX));
    expect(budget.total).toBe(budget.api * budget.pool + budget.workers * budget.workerPool + budget.reserve);
    expect(budget.total).toBeLessThanOrEqual(budget.max);
    expect(budget.reserve).toBeGreaterThanOrEqual(10);
    // The local overlay runs its own PostgreSQL: the budget's max_connections is that server's.
    const postgres = rendered.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    if (postgres) {
      const args = (postgres.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0].args.join(' ');
      expect(args).toContain(`max_connections=${budget.max}`);
    }
  });
});

describe('prometheus-adapter', () => {
  const [values] = readYaml('infra/k8s/prometheus-adapter/values.yaml') as Array<{
    rules: { default: boolean; custom: Array<{ seriesQuery: string; name: { matches: string; as: string }; metricsQuery: string }> };
  }>;

  it('serves the per-pod metric the HPA names, averaged over the policy window', () => {
    const metric = policy.api.perPod.metric as string;
    const rule = values.rules.custom.find((r) => r.name.as === metric);
    expect(rule, metric).toBeDefined();
    expect(rule!.seriesQuery).toMatch(new RegExp(`^${metric}\\{`));
    expect(rule!.metricsQuery).toContain(`[${policy.api.perPod.windowSeconds}s]`);
    expect(rule!.metricsQuery).toContain('<<.Series>>{<<.LabelMatchers>>}');
  });

  it('the budget parser refuses what it cannot read (the budget check can fail)', () => {
    expect(() => parseBudget('6 pods, fine')).toThrow(/not understood/);
    const b = parseBudget('api 6 x DB_POOL_MAX 10 + worker 4 x WORKER_DB_POOL_MAX 5 + reserve 20 = 100 <= max_connections 100');
    expect(b.api * b.pool + b.workers * b.workerPool + b.reserve).toBe(b.total);
  });
});
