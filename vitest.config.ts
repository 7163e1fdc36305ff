import swc from 'unplugin-swc';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const ALL_TESTS = ['apps/*/src/**/*.spec.ts', 'apps/*/test/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.spec.ts', 'load-tests/**/*.spec.ts', 'infra/**/*.spec.ts', 'bench/**/*.spec.ts'];
const EXCLUDED = ['**/node_modules/**', '**/dist/**', 'apps/web/**'];
/** Files that make or judge load on the whole box: run after the rest, one at a time. */
const SOLO = ['load-tests/elastic/**/*.spec.ts', 'load-tests/driver/machine-floor.spec.ts', 'apps/api/test/traffic/load-shedding.e2e.spec.ts', 'infra/test/haproxy/admission.e2e.spec.ts'];

/** What both projects share. Not `extends: true`: a project would run the root's globalSetup again. */
function project(test: NonNullable<TestProjectInlineConfiguration['test']>): TestProjectInlineConfiguration {
  return {
    // esbuild drops emitDecoratorMetadata, which NestJS DI needs: compile with SWC instead.
    plugins: [swc.vite({ jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2023', keepClassNames: true } })],
    oxc: false,
    esbuild: false,
    resolve: {
      alias: [{ find: /^@conduit\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` }],
    },
    test: { pool: 'forks', testTimeout: 30_000, hookTimeout: 60_000, ...test },
  };
}

export default defineConfig({
  test: {
    // Once per run: migrates the template database every test file clones.
    globalSetup: ['libs/testing/src/global-setup.ts'],
    // Two files at a time or more (vitest's own default, cores - 1, on a bigger machine; it gave 1
    // on 2 cores): every file gets its own database (cloned from the template), its own Redis key
    // prefix (or Redis server, where it stops one) and free ports, so files do not share state,
    // and on 2 cores the suite is dominated by process start-up and I/O waits (one worker: 642 s;
    // two: 455 s). The files in SOLO load the whole box on purpose or judge behaviour under a
    // load they make (autoscaling on CPU, load shedding on event-loop delay, admission at the
    // balancer, the machine floor): they run afterwards, one at a time, so neither they nor their
    // neighbours are judged under someone else's load.
    projects: [
      project({ name: 'parallel', include: ALL_TESTS, exclude: [...EXCLUDED, ...SOLO], maxWorkers: Math.max(2, availableParallelism() - 1), sequence: { groupOrder: 0 } }),
      project({ name: 'solo', include: SOLO, exclude: EXCLUDED, maxWorkers: 1, sequence: { groupOrder: 1 } }),
    ],
    // The JSON report feeds the one-line summary .ci/run prints (scripts/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: 'var/test-results.json' }]],
  },
});
