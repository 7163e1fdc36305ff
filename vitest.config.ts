import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  // esbuild drops emitDecoratorMetadata, which NestJS DI needs: compile with SWC instead.
  plugins: [swc.vite({ jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2023', keepClassNames: true } })],
  oxc: false,
  esbuild: false,
  resolve: {
    alias: [{ find: /^@conduit\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` }],
  },
  test: {
    include: ['apps/*/src/**/*.spec.ts', 'apps/*/test/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.spec.ts', 'load-tests/**/*.spec.ts', 'infra/**/*.spec.ts', 'bench/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'apps/web/**'],
    globalSetup: ['libs/testing/src/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report feeds the one-line summary .ci/run prints (scripts/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: 'var/test-results.json' }]],
  },
});
