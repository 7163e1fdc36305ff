// `npm run db:seed [-- --profile=lived-in] [-- --scale=0.1] [-- --reset]`: migrates, then loads the
// deterministic data set. Reads only DATABASE_URL and SEED_SCALE (a one-shot tool, not the
// long-running app's config).
// Flags: --profile=uniform|lived-in (default uniform), --scale=<n> (uniform at 1 = 10k users, 50k
// articles, 200k favorites, 100k comments, 100k follows, 200 tags; lived-in at 1 = 100k users,
// 1M articles, 3M favorites, 1.5M comments, 1.5M follows, 2,000 tags with shifting popularity:
// see libs/db/src/seed/lived-in-data.ts), --users= --articles= --favorites= --comments=
// --follows= --tags= --seed=<n> (PRNG seed), --reset (replace existing data).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyMigrations, ensureDatabase } from './apply-migrations.js';
import { seedDatabase } from './seed/seed-database.js';
import { SEED_PASSWORD, loadTestUsername, planForProfile, type SeedPlan, type SeedProfile } from './seed/seed-plan.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string' },
    profile: { type: 'string', default: 'uniform' },
    reset: { type: 'boolean', default: false },
    seed: { type: 'string' },
    users: { type: 'string' },
    articles: { type: 'string' },
    favorites: { type: 'string' },
    comments: { type: 'string' },
    follows: { type: 'string' },
    tags: { type: 'string' },
  },
});

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const overrides: Partial<SeedPlan> = {};
for (const key of ['users', 'articles', 'favorites', 'comments', 'follows', 'tags', 'seed'] as const) {
  const n = integer(key, values[key]);
  if (n !== undefined) overrides[key] = n;
}
const scale = Number(values.scale ?? process.env.SEED_SCALE ?? '1');
let plan: SeedPlan;
try {
  plan = planForProfile(values.profile as SeedProfile, scale, overrides);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit';
const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
await ensureDatabase(databaseUrl);
await applyMigrations(databaseUrl, migrationsDir, (line) => console.log(line));

try {
  const result = await seedDatabase(databaseUrl, { plan, reset: values.reset, log: (line) => console.log(`  ${line}`) });
  if (result.status === 'already-seeded') console.log('already seeded: nothing to do (use --reset to rebuild)');
  console.log(`profile: ${plan.profile ?? 'uniform'}`);
  console.log(
    `seed ${result.status} in ${(result.ms / 1000).toFixed(1)} s; rows: ${Object.entries(result.counts)
      .map(([t, n]) => `${t}=${n}`)
      .join(', ')}`,
  );
  if (plan.loadTestAccounts > 0) {
    console.log(`load-test accounts: ${loadTestUsername(1)}..${loadTestUsername(plan.loadTestAccounts)}@load.test, password "${SEED_PASSWORD}"`);
  }
} catch (error) {
  console.error(`seed failed: ${(error as Error).message}`);
  process.exit(1);
}
