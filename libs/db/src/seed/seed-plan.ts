/** Row counts for one seed run. Defaults are the minimum realistic data set. */
export interface SeedPlan {
  users: number;
  articles: number;
  favorites: number;
  comments: number;
  follows: number;
  tags: number;
  /** The first `loadTestAccounts` users are loadtest-0001 .. loadtest-NNNN @ load.test. */
  loadTestAccounts: number;
  /** PRNG seed: the same seed and counts always produce the same rows. */
  seed: number;
}

export const DEFAULT_SEED_PLAN: SeedPlan = Object.freeze({
  users: 10_000,
  articles: 50_000,
  favorites: 200_000,
  comments: 100_000,
  follows: 100_000,
  tags: 200,
  loadTestAccounts: 1_000,
  seed: 42,
});

/** The one password of every seeded account (documented in the README; test data only). */
export const SEED_PASSWORD = 'loadtest-password';
export const LOAD_TEST_EMAIL_DOMAIN = 'load.test';

/** loadtest-0001 .. : the accounts load tests log in as (index starts at 1). */
export function loadTestUsername(index: number): string {
  return `loadtest-${String(index).padStart(4, '0')}`;
}

/**
 * Scales the default plan (SEED_SCALE=0.1 -> 1,000 users, 5,000 articles, ...). Tags and
 * load-test accounts are capped by the number of users/articles; the result is always
 * achievable (favorites/follows never exceed the number of distinct pairs).
 */
export function planForScale(scale: number, overrides: Partial<SeedPlan> = {}): SeedPlan {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) throw new Error(`seed scale must be in (0, 100], got ${scale}`);
  const s = (n: number) => Math.max(1, Math.round(n * scale));
  const plan: SeedPlan = {
    users: Math.max(2, s(DEFAULT_SEED_PLAN.users)),
    articles: s(DEFAULT_SEED_PLAN.articles),
    favorites: s(DEFAULT_SEED_PLAN.favorites),
    comments: s(DEFAULT_SEED_PLAN.comments),
    follows: s(DEFAULT_SEED_PLAN.follows),
    tags: Math.min(DEFAULT_SEED_PLAN.tags, Math.max(5, s(DEFAULT_SEED_PLAN.tags))),
    loadTestAccounts: DEFAULT_SEED_PLAN.loadTestAccounts,
    seed: DEFAULT_SEED_PLAN.seed,
    ...overrides,
  };
  for (const [key, value] of Object.entries(plan)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`seed ${key} must be a non-negative integer, got ${value}`);
  }
  if (plan.users < 2) throw new Error('seed users must be at least 2');
  plan.loadTestAccounts = Math.min(plan.loadTestAccounts, plan.users, 9_999);
  plan.favorites = Math.min(plan.favorites, Math.floor(plan.users * plan.articles * 0.5));
  plan.follows = Math.min(plan.follows, Math.floor(plan.users * (plan.users - 1) * 0.5));
  return plan;
}
