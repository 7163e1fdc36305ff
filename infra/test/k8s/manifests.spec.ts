import { appConfigSchema, workerConfigSchema } from '@conduit/config';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorkloads, envExampleKeys, renderAll, repoRoot, type Container } from './rendered.js';
import { schemaProblems } from './schema-validation.js';

/**
 * infra/k8s checked offline (no cluster here): every overlay rendered (kustomize.ts), every object
 * validated against the Kubernetes API's schemas (kubernetes-models, @kubernetes-models/keda), and the
 * invariants that tie the manifests to the code. `npm run test:k8s` runs this folder.
 */
const overlays = renderAll();
const schemaKeys = new Set([...Object.keys(appConfigSchema.shape), ...Object.keys(workerConfigSchema.shape)]);

describe.each(overlays.map((o) => [o.name, o] as const))('overlay %s', (_name, rendered) => {
  it('validates every object against the Kubernetes API schemas', async () => {
    expect(rendered.objects.length).toBeGreaterThan(15);
    const problems = (await Promise.all(rendered.objects.map(schemaProblems))).flat();
    expect(problems).toEqual([]);
  });

  it('has the API, worker and web Deployments, the migration Job, the HPA and the KEDA ScaledObject', () => {
    for (const name of ['api', 'worker', 'web']) rendered.get('Deployment', name);
    rendered.get('Job', 'migrate');
    rendered.get('HorizontalPodAutoscaler', 'api');
    rendered.get('ScaledObject', 'worker');
    // The autoscalers own the counts: a replicas field would reset them on every apply.
    for (const name of ['api', 'worker']) expect((rendered.get('Deployment', name).spec as { replicas?: number }).replicas, name).toBeUndefined();
  });

  it('configures through a ConfigMap and a Secret whose keys are .env.example variables of the config schema', () => {
    const example = new Set(envExampleKeys());
    const keys = Object.keys(rendered.environment);
    expect(keys.filter((k) => !example.has(k))).toEqual([]);
    expect(keys.filter((k) => !schemaKeys.has(k))).toEqual([]);
    // Everything .env.example sets reaches the pods, except the per-pod ids (from the pod name) and the seed's scale.
    const perPod = ['INSTANCE_ID', 'WORKER_INSTANCE_ID', 'SEED_SCALE'];
    expect([...example].filter((k) => !keys.includes(k) && !perPod.includes(k))).toEqual([]);
    for (const workload of appWorkloads(rendered)) {
      for (const c of (workload.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers) {
        expect(
          (c.env ?? []).map((e) => e.name).filter((n) => !schemaKeys.has(n)),
          `${workload.metadata.name} env`,
        ).toEqual([]);
      }
    }
  });

  it('runs the app workloads non-root with a read-only root filesystem, requests and limits', () => {
    const workloads = appWorkloads(rendered);
    // PgBouncer (overlays/production-pgbouncer) is held to the same rules.
    const pooler = rendered.all('Deployment').some((d) => d.metadata.name === 'pgbouncer') ? ['pgbouncer'] : [];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['api', 'migrate', ...pooler, 'web', 'worker']);
    for (const w of workloads) {
      const spec = (w.spec as { template: { spec: { securityContext?: { runAsNonRoot?: boolean }; containers: Container[] } } }).template.spec;
      expect(spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of spec.containers) {
        expect(c.securityContext, `${w.metadata.name}/${c.name}`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(Object.keys(c.resources?.requests ?? {}).sort(), c.name).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources?.limits ?? {}).sort(), c.name).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('drains within the grace period: preStop + the app deadline < terminationGracePeriodSeconds', () => {
    const env = rendered.environment;
    const api = rendered.podSpec('Deployment', 'api');
    const preStopMs = (api.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    expect(Number(env.SHUTDOWN_DRAIN_DELAY_MS)).toBeLessThan(Number(env.SHUTDOWN_TIMEOUT_MS));
    expect(preStopMs + Number(env.SHUTDOWN_TIMEOUT_MS)).toBeLessThan(api.terminationGracePeriodSeconds! * 1000);
    const worker = rendered.podSpec('Deployment', 'worker');
    expect(Number(env.WORKER_SHUTDOWN_TIMEOUT_MS)).toBeLessThan(worker.terminationGracePeriodSeconds! * 1000);
  });

  it('listens where the Services, probes and config say', () => {
    const env = rendered.environment;
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.WORKER_HOST).toBe('0.0.0.0');
    expect(rendered.container('Deployment', 'api').ports?.[0].containerPort).toBe(Number(env.PORT));
    expect(rendered.container('Deployment', 'worker').ports?.[0].containerPort).toBe(Number(env.WORKER_PORT));
    for (const service of rendered.all('Service')) {
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      const target = rendered.objects.find(
        (o) => o.kind !== 'Service' && Object.entries(selector).every(([k, v]) => (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template?.metadata?.labels?.[k] === v),
      );
      expect(target, `workload behind Service ${service.metadata.name}`).toBeDefined();
      const names = ((target!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0].ports ?? []).map((p) => p.name);
      for (const port of (service.spec as { ports: Array<{ targetPort: string }> }).ports) expect(names, service.metadata.name).toContain(port.targetPort);
    }
    for (const ingress of rendered.all('Ingress')) {
      const paths = (ingress.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> }).rules.flatMap((r) => r.http.paths);
      for (const { backend } of paths) {
        const service = rendered.get('Service', backend.service.name);
        expect((service.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name)).toContain(backend.service.port.name);
      }
    }
  });

  it('probes every app container: startup and liveness on /health/live, readiness on /health/ready', () => {
    for (const name of ['api', 'worker']) {
      const c = rendered.container('Deployment', name);
      expect(c.startupProbe?.httpGet?.path, name).toBe('/health/live');
      expect(c.livenessProbe?.httpGet?.path, name).toBe('/health/live');
      expect(c.readinessProbe?.httpGet?.path, name).toBe('/health/ready');
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect(c.ports?.map((p) => p.name)).toContain(probe?.httpGet?.port);
    }
  });

  it('has PodDisruptionBudgets and spreads pods over nodes and zones', () => {
    const pdbs = rendered.all('PodDisruptionBudget').map((p) => p.metadata.name);
    for (const name of ['api', 'worker', 'web']) {
      expect(pdbs).toContain(name);
      const keys = (rendered.podSpec('Deployment', name).topologySpreadConstraints ?? []).map((t) => t.topologyKey);
      expect(keys, name).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    }
  });

  it('runs migrations in the Job only, with the runner that exists', () => {
    const job = rendered.container('Job', 'migrate');
    expect(job.command).toEqual(['node', 'libs/db/dist/migrate.cli.js']);
    expect(existsSync(join(repoRoot, 'libs/db/src/migrate.cli.ts'))).toBe(true);
    expect(rendered.container('Deployment', 'api').command).toBeUndefined();
  });

  it('lets only the ingress controller (and Prometheus) reach the API, and only api/worker/migrate (and PgBouncer) reach data-store ports', () => {
    const policies = rendered.all('NetworkPolicy');
    const deny = rendered.get('NetworkPolicy', 'default-deny').spec as { podSelector: object; policyTypes: string[] };
    expect(deny.podSelector).toEqual({});
    expect(deny.policyTypes).toEqual(['Ingress', 'Egress']);
    const apiFrom = (rendered.get('NetworkPolicy', 'api').spec as { ingress: Array<{ from: Array<{ namespaceSelector: { matchLabels: Record<string, string> } }> }> }).ingress.flatMap((r) => r.from);
    expect(apiFrom.map((f) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).sort()).toEqual(['ingress-nginx', 'monitoring']);
    const dataPorts = [5432, 6379, 6380, 6432];
    for (const policy of policies) {
      const egressPorts = ((policy.spec as { egress?: Array<{ ports?: Array<{ port: number }> }> }).egress ?? []).flatMap((r) => r.ports ?? []).map((p) => p.port);
      if (egressPorts.some((p) => dataPorts.includes(p))) expect(['api', 'worker', 'migrate', 'pgbouncer'], policy.metadata.name).toContain(policy.metadata.name);
    }
  });

  it('sticks Socket.IO long-polling to one pod by cookie and keeps WebSockets open past ping interval + timeout', () => {
    const annotations = rendered.get('Ingress', 'conduit-socketio').metadata.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(45);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThan(45);
    expect(rendered.get('Ingress', 'conduit').metadata.annotations?.['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
  });
});

describe('the checks can fail', () => {
  it('schema validation rejects a broken object', async () => {
    const api = overlays[0].get('Deployment', 'api');
    const broken = structuredClone(api) as typeof api & { spec: { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } } };
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect((await schemaProblems(broken)).join()).toMatch(/containerPort must be integer/);
    await expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Nothing', metadata: { name: 'x' } })).rejects.toThrow(/no schema/);
  });

  it('renders three overlays, one with the not-for-production data stores', () => {
    expect(overlays.map((o) => o.name).sort()).toEqual(['local', 'production', 'production-pgbouncer']);
    const local = overlays.find((o) => o.name === 'local')!;
    for (const name of ['postgres', 'redis-cache', 'redis-queue']) expect(local.get('StatefulSet', name).metadata.labels?.['conduit.example.com/not-for-production']).toBe('true');
    for (const name of ['production', 'production-pgbouncer']) expect(overlays.find((o) => o.name === name)!.all('StatefulSet'), name).toEqual([]);
  });
});
