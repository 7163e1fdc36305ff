import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderKustomization, strategicMerge } from './kustomize.js';

let dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kustomize-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
afterEach(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  dirs = [];
});

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      containers:
        - name: api
          image: conduit-api
          env: [{ name: A, value: "1" }, { name: B, value: "2" }]
          resources: { requests: { cpu: 500m, memory: 320Mi } }
        - name: sidecar
          image: busybox:1.36
`;

describe('strategic merge (the subset infra/k8s uses)', () => {
  it('merges maps, deletes on null, merges keyed lists by key and replaces other lists', () => {
    const base = { a: { b: 1, c: 2 }, tls: [{ hosts: ['x'] }], containers: [{ name: 'api', image: 'i', env: [{ name: 'A', value: '1' }] }], args: ['x', 'y'] };
    const patch = {
      a: { c: 3 },
      tls: null,
      containers: [
        { name: 'api', env: [{ name: 'B', value: '2' }] },
        { name: 'new', image: 'n' },
      ],
      args: ['z'],
    };
    expect(strategicMerge(base, patch, '')).toEqual({
      a: { b: 1, c: 3 },
      containers: [
        {
          name: 'api',
          image: 'i',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'new', image: 'n' },
      ],
      args: ['z'],
    });
  });
});

describe('renderKustomization', () => {
  it('renders base + overlay: patches by kind and name, namespace, images, nested resources', () => {
    const root = tree({
      'base/kustomization.yaml': 'resources: [app.yaml]\n',
      'base/app.yaml': deployment,
      'overlay/kustomization.yaml': `namespace: demo
resources: [../base, ns.yaml]
patches: [{ path: patch.yaml }]
images: [{ name: conduit-api, newName: registry.example:5000/conduit-api, newTag: "1.2" }]
`,
      'overlay/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: demo }\n',
      'overlay/patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      containers:
        - name: api
          env: [{ name: B, value: "3" }]
          resources: { requests: { cpu: 200m } }
`,
    });
    const [api, ns] = renderKustomization(join(root, 'overlay'));
    expect(ns.metadata).toEqual({ name: 'demo' });
    expect(api.metadata.namespace).toBe('demo');
    const [container, sidecar] = (api.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers;
    expect(container).toEqual({
      name: 'api',
      image: 'registry.example:5000/conduit-api:1.2',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '3' },
      ],
      resources: { requests: { cpu: '200m', memory: '320Mi' } },
    });
    expect(sidecar.image).toBe('busybox:1.36');
  });

  it('refuses what it does not implement, a patch without a target, and duplicates', () => {
    const unsupported = tree({ 'kustomization.yaml': 'resources: []\ncommonLabels: { a: b }\n' });
    expect(() => renderKustomization(unsupported)).toThrow(/unsupported kustomize fields commonLabels/);
    const noTarget = tree({
      'kustomization.yaml': 'resources: [app.yaml]\npatches: [{ path: p.yaml }]\n',
      'app.yaml': deployment,
      'p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: other }\n',
    });
    expect(() => renderKustomization(noTarget)).toThrow(/patch target apps\/v1 Deployment\/other not found/);
    const twice = tree({ 'kustomization.yaml': 'resources: [app.yaml, app2.yaml]\n', 'app.yaml': deployment, 'app2.yaml': deployment });
    expect(() => renderKustomization(twice)).toThrow(/defined twice/);
  });
});
