import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered (plain data). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  patches?: Array<{ path?: string; patch?: string; target?: unknown }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  [field: string]: unknown;
}

/** The part of kustomize that infra/k8s uses; anything else in a kustomization.yaml is an error, not silently ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'patches', 'images']);
/** Cluster-scoped kinds keep no namespace. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass', 'APIService']);
/**
 * Strategic-merge keys of the list fields infra/k8s patches (from the Kubernetes API's
 * x-kubernetes-patch-merge-key): items with the same key merge, others are appended. Every other
 * list is replaced whole, as strategic merge does for lists without a merge key.
 */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  env: ['name'],
  envFrom: [],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['containerPort', 'port'],
  imagePullSecrets: ['name'],
};

/**
 * Renders a kustomization directory offline (no kubectl or kustomize binary here): resources
 * (files and directories, recursively), strategic-merge patches (`patches: - path:`), namespace and
 * image overrides. Only those features are accepted; the output equals `kubectl kustomize` for them.
 * Tested in kustomize.spec.ts.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`no kustomization.yaml in ${dir}`);
  const kustomization = parseDocuments(readFileSync(file, 'utf8'), file)[0] as unknown as Kustomization;
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${file}: unsupported kustomize fields ${unsupported.join(', ')}`);
  let objects = (kustomization.resources ?? []).flatMap((entry) => loadResource(resolve(dir, entry)));
  for (const patch of kustomization.patches ?? []) objects = applyPatchFile(objects, dir, patch);
  if (kustomization.images) objects = objects.map((o) => setImages(o, kustomization.images!));
  if (kustomization.namespace) objects = objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : withNamespace(o, kustomization.namespace!)));
  assertUnique(objects, dir);
  return objects;
}

function loadResource(path: string): K8sObject[] {
  if (!existsSync(path)) throw new Error(`resource not found: ${path}`);
  if (statSync(path).isDirectory()) return renderKustomization(path);
  return parseDocuments(readFileSync(path, 'utf8'), path) as K8sObject[];
}

export function parseDocuments(text: string, source: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
      return doc.toJS() as Record<string, unknown> | null;
    })
    .filter((doc): doc is Record<string, unknown> => doc !== null);
}

function applyPatchFile(objects: K8sObject[], dir: string, patch: { path?: string; patch?: string; target?: unknown }): K8sObject[] {
  if (!patch.path || patch.target || patch.patch) throw new Error(`${dir}: only "patches: - path: <strategic merge patch file>" is supported`);
  const path = resolve(dir, patch.path);
  let result = objects;
  for (const doc of parseDocuments(readFileSync(path, 'utf8'), path) as K8sObject[]) {
    const index = result.findIndex((o) => o.kind === doc.kind && o.metadata.name === doc.metadata?.name && o.apiVersion === doc.apiVersion);
    if (index < 0) throw new Error(`${path}: patch target ${doc.apiVersion} ${doc.kind}/${doc.metadata?.name} not found`);
    result = result.map((o, i) => (i === index ? (strategicMerge(o, doc, '') as K8sObject) : o));
  }
  return result;
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Strategic merge of `patch` into `base`: maps merge, null deletes, keyed lists merge by key, other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown, field: string): unknown {
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value, key) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch)) return mergeList(base, patch, field);
  return patch;
}

function mergeList(base: unknown[], patch: unknown[], field: string): unknown[] {
  const key = (MERGE_KEYS[field] ?? []).find((k) => patch.every((item) => isMap(item) && k in item));
  if (!key) return patch;
  const out = [...base];
  for (const item of patch as Array<Record<string, unknown>>) {
    const index = out.findIndex((existing) => isMap(existing) && existing[key] === item[key]);
    if (index >= 0) out[index] = strategicMerge(out[index], item, field);
    else out.push(item);
  }
  return out;
}

function setImages(object: K8sObject, images: NonNullable<Kustomization['images']>): K8sObject {
  const rewrite = (container: Record<string, unknown>) => {
    const image = String(container.image);
    const colon = image.lastIndexOf(':');
    const [name, tag] = colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
    const match = images.find((image) => image.name === name);
    if (!match) return container;
    return { ...container, image: `${match.newName ?? name}:${match.newTag ?? tag ?? 'latest'}` };
  };
  return mapPodSpec(object, (spec) => ({
    ...spec,
    containers: (spec.containers as Array<Record<string, unknown>>).map(rewrite),
    ...(spec.initContainers ? { initContainers: (spec.initContainers as Array<Record<string, unknown>>).map(rewrite) } : {}),
  }));
}

/** Applies `fn` to the pod spec of a workload (Deployment, StatefulSet, Job, ...); other objects unchanged. */
export function mapPodSpec(object: K8sObject, fn: (spec: Record<string, unknown>) => Record<string, unknown>): K8sObject {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  if (!spec?.template?.spec) return object;
  return { ...object, spec: { ...spec, template: { ...spec.template, spec: fn(spec.template.spec) } } };
}

function withNamespace(object: K8sObject, namespace: string): K8sObject {
  return { ...object, metadata: { ...object.metadata, namespace } };
}

function assertUnique(objects: K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} defined twice`);
    seen.add(id);
  }
}

/** Every kustomization directory under infra/k8s/overlays (each one is rendered and checked). */
export function overlayDirectories(k8sRoot: string): string[] {
  const overlays = join(k8sRoot, 'overlays');
  return readdirSync(overlays)
    .map((name) => join(overlays, name))
    .filter((path) => existsSync(join(path, 'kustomization.yaml')));
}
