import type { K8sObject } from './kustomize.js';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * The model of an object's apiVersion and kind from the `kubernetes-models` packages, which carry
 * the Kubernetes API's own OpenAPI schemas (and KEDA's CRD schemas in @kubernetes-models/keda).
 * Throws for a kind no package knows: every rendered object must be checkable.
 */
async function modelOf(object: K8sObject): Promise<ModelClass> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const specifier = group === 'keda.sh' ? `@kubernetes-models/keda/keda.sh/${version}/${object.kind}` : `kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`;
  const module = (await import(specifier).catch(() => undefined)) as Record<string, ModelClass> | undefined;
  const model = module?.[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind} (${specifier})`);
  return model;
}

/** Validates the object against its API schema; returns the problems (empty when valid). */
export async function schemaProblems(object: K8sObject): Promise<string[]> {
  const Model = await modelOf(object);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
  }
}
