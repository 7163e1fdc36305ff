// ESLint flat config: code-level rules (typescript-eslint's recommended set, syntax only so a run stays
// fast without type information). The architecture (which layer may import which, no cycles) is checked by
// dependency-cruiser in `.dependency-cruiser.cjs`; `npm run lint` runs both plus the raw-SQL lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  clearImmediate: 'readonly',
  queueMicrotask: 'readonly',
  structuredClone: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
  fetch: 'readonly',
  performance: 'readonly',
  globalThis: 'readonly',
};

// Known violations that need a real move to fix; delete an entry when its code moves. (None today.)
const SERVICES_WITH_DRIVER_CODES = [];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', 'var/**', 'load-tests/reports/**', 'libs/db/src/generated/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a parameter kept for its position (NestJS hooks, callbacks).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      // TypeScript already reports undefined names, with the real globals of each tsconfig.
      'no-undef': 'off',
      // process.env is read in one place: the zod schema in libs/config. Tests, tools, load tests and
      // the web build configure themselves and are exempted below.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through @conduit/config (libs/config).',
        },
      ],
    },
  },
  {
    files: ['libs/config/**', '**/test/**', '**/*.spec.ts', 'scripts/**', 'load-tests/**', 'bench/**', 'infra/**', 'apps/web/**', 'prisma/**', '*.ts', '*.js', 'libs/testing/**', 'libs/stack/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests and their helpers poke at untyped JSON and at library internals on purpose.
    files: ['**/test/**', '**/*.spec.ts', 'libs/testing/**', 'load-tests/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // One-shot command-line tools (`*.cli.ts`) read their own few variables; the app's config is not theirs.
    files: ['**/*.cli.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Services never see driver error codes: repositories translate them into domain errors.
    // (The import side of this rule is in .dependency-cruiser.cjs.)
    files: ['apps/*/src/**/*.service.ts'],
    ignores: SERVICES_WITH_DRIVER_CODES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^(P20[0-9][0-9]|2[0-9]{4})$/]',
          message: 'A database error code in a service: translate it in the repository into a domain error.',
        },
      ],
    },
  },
  {
    // Size limits, so a file or a function that grows past what one can read at once gets split
    // (tests excluded: a test reads best as one story). A justified exception carries
    // `// eslint-disable-next-line max-lines-per-function -- <why>`.
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs', '**/*.cjs'],
    ignores: ['**/test/**', '**/*.spec.ts', '**/*.spec.tsx', 'apps/web/e2e/**', '**/*.d.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    // k6 scripts run in k6's runtime, with its own globals (__ENV, __VU, open).
    files: ['load-tests/k6/**'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', open: 'readonly' } },
  },
  {
    files: ['apps/web/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', localStorage: 'readonly', navigator: 'readonly' } },
  },
);
