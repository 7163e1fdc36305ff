import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overlayDirectories, parseDocuments, renderKustomization, type K8sObject } from './kustomize.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const k8sRoot = join(repoRoot, 'infra', 'k8s');

/** infra/autoscaling/policy.json: the one autoscaling policy (HPA, KEDA, the stack's autoscaler). */
export const policy = JSON.parse(readFileSync(join(repoRoot, 'infra', 'autoscaling', 'policy.json'), 'utf8'));

export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  topologySpreadConstraints?: Array<{ topologyKey: string }>;
}

/** One rendered overlay with lookups. */
export class Rendered {
  constructor(
    readonly name: string,
    readonly objects: K8sObject[],
  ) {}

  get(kind: string, name: string): K8sObject {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${this.name}: no ${kind}/${name}`);
    return found;
  }

  all(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  podSpec(kind: string, name: string): PodSpec {
    return (this.get(kind, name).spec as { template: { spec: PodSpec } }).template.spec;
  }

  container(kind: string, name: string): Container {
    return this.podSpec(kind, name).containers[0];
  }

  /** ConfigMap data and Secret stringData, as the pods' envFrom sees them. */
  get environment(): Record<string, string> {
    const data = (this.get('ConfigMap', 'conduit-config').data ?? {}) as Record<string, string>;
    const secret = (this.get('Secret', 'conduit-secrets').stringData ?? {}) as Record<string, string>;
    return { ...data, ...secret };
  }
}

export const renderAll = (): Rendered[] => overlayDirectories(k8sRoot).map((dir) => new Rendered(basename(dir), renderKustomization(dir)));

export const readYaml = (path: string) => parseDocuments(readFileSync(join(repoRoot, path), 'utf8'), path);

/** Keys of .env.example (commented-out lines excluded). */
export function envExampleKeys(): string[] {
  return readFileSync(join(repoRoot, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((key): key is string => Boolean(key));
}

/** Workloads with a pod template that run the app's images (the not-for-production data stores excluded). */
export function appWorkloads(rendered: Rendered): K8sObject[] {
  return rendered.objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) && o.metadata.labels?.['conduit.example.com/not-for-production'] !== 'true');
}

/** "api 6 x DB_POOL_MAX 10 + worker 4 x WORKER_DB_POOL_MAX 5 + reserve 20 = 100 <= max_connections 100" */
export function parseBudget(text: string) {
  const m = /^api (\d+) x DB_POOL_MAX (\d+) \+ worker (\d+) x WORKER_DB_POOL_MAX (\d+) \+ reserve (\d+) = (\d+) <= max_connections (\d+)$/.exec(text);
  if (!m) throw new Error(`connection budget annotation not understood: ${text}`);
  const [api, pool, workers, workerPool, reserve, total, max] = m.slice(1).map(Number);
  return { api, pool, workers, workerPool, reserve, total, max };
}
