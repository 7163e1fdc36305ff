import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from '@conduit/stack';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// The API's V8 flags live in libs/stack/src/api-node-flags.ts; the two places that cannot import
// them must say the same, or the image and `npm run start:api` would run a differently tuned API.
describe('the API runs with the same V8 flags everywhere', () => {
  it('has at least one flag to keep in step', () => {
    expect(API_NODE_FLAGS.length).toBeGreaterThan(0);
  });

  it('the container image starts the API with them', () => {
    const cmd = /FROM runtime-base AS api[\s\S]*?\nCMD (\[.*\])/.exec(read('infra/docker/node-app.Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!)).toEqual(['node', ...API_NODE_FLAGS, '--enable-source-maps', 'apps/api/dist/main.js']);
  });

  it('npm run start:api starts the API with them', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:api']).toBe(['node', ...API_NODE_FLAGS, '--enable-source-maps', 'apps/api/dist/main.js'].join(' '));
  });
});
