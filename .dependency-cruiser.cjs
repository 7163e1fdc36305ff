// The architecture as rules, checked by `npm run lint:deps` (part of `npm run lint`, run in CI).
// Layers: controllers translate HTTP, services hold the rules, repositories own SQL and turn database
// errors into domain errors; libs/ are shared by the apps and know none of them.
//
// KNOWN_VIOLATIONS lists imports that break a rule today and need a real move to fix. Each entry names
// what has to move; delete the entry when it does. Nothing else is exempt.
const KNOWN_VIOLATIONS = {
  servicesWithDriverErrors: [],
  servicesWithSql: [],
  // Every feature that writes an outbox row in its own transaction uses the jobs module's repository
  // directly; a JobsService that takes the transaction would close this.
  borrowedRepositories: ['^apps/api/src/(users|images)/'],
  // The chat gateway classifies database-unavailable errors itself; ChatService should throw a domain
  // "service unavailable" error that the gateway maps to its ack.
  controllersWithDbImports: ['^apps/api/src/chat/chat[.]gateway[.]ts$'],
  // Worker e2e tests boot the API in-process (registration and image uploads start there). A cross-app
  // test harness belongs in libs/testing, or these tests in a top-level e2e folder.
  crossAppTests: ['^apps/worker/test/(registration|image)[.]e2e[.]spec[.]ts$'],
  cycles: [],
};

// A list with no entries excludes nothing (an empty regular expression would match every path).
const either = (patterns) => (patterns.length ? patterns.join('|') : '^$.');

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle makes load order matter and hides a missing module boundary.',
      from: { pathNot: either(KNOWN_VIOLATIONS.cycles) },
      to: { circular: true },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      comment: 'libs/ are shared by the apps; a lib that imports an app ties every app to it.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'only-tooling-imports-the-stack',
      severity: 'error',
      comment: 'libs/stack starts the apps as processes (npm start, load and e2e tests); app code and the other libs never import it.',
      from: { path: '^(apps/[^/]+/src/|libs/(?!stack/))' },
      to: { path: '^libs/stack/' },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      comment: 'Apps talk over HTTP, queues and sockets; what two apps share belongs in libs/.',
      from: { path: '^apps/([^/]+)/', pathNot: either(KNOWN_VIOLATIONS.crossAppTests) },
      to: { path: '^apps/', pathNot: ['^apps/$1/'] },
    },
    {
      name: 'controllers-do-not-touch-the-database',
      severity: 'error',
      comment: 'Controllers only translate HTTP; SQL lives in repositories behind a service.',
      from: { path: '[.](controller|gateway)[.]ts$', pathNot: either(KNOWN_VIOLATIONS.controllersWithDbImports) },
      to: { path: ['[.]repository[.]ts$', '[.]sql[.]ts$', '^libs/db/', 'node_modules/(pg|@prisma)/', '^apps/api/src/database/'] },
    },
    {
      name: 'services-do-not-see-driver-errors',
      severity: 'error',
      comment: 'Repositories translate database errors into domain errors; services never see driver codes.',
      from: { path: '[.]service[.]ts$', pathNot: either(KNOWN_VIOLATIONS.servicesWithDriverErrors) },
      to: { path: '^libs/db/' },
    },
    {
      name: 'services-do-not-run-sql',
      severity: 'error',
      comment: 'SQL lives in repositories (beside the index it uses); a service gets a repository injected.',
      from: { path: '[.]service[.]ts$', pathNot: either(KNOWN_VIOLATIONS.servicesWithSql) },
      // A type-only import (a pool handed on to a lib that owns its SQL, as the outbox relay) runs nothing.
      to: { path: ['node_modules/(pg|@prisma)/', '^apps/api/src/database/', '[.]sql[.]ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'modules-keep-their-repositories',
      severity: 'error',
      comment: 'A feature module reaches another module through its exported service, never its repository.',
      from: { path: '^apps/api/src/([^/]+)/', pathNot: either(KNOWN_VIOLATIONS.borrowedRepositories) },
      to: { path: '^apps/api/src/[^/]+/[^/]+[.]repository[.]ts$', pathNot: '^apps/api/src/$1/' },
    },
    {
      name: 'imports-resolve',
      severity: 'error',
      comment: 'An import the rules cannot resolve is an import the rules cannot check.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage|generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@conduit/source', 'import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
