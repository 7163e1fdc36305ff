/**
 * - uniform: the original data set (tags spread evenly over time), 50k articles at scale 1;
 * - lived-in: ten years of history with shifting tag popularity, empty tags, deleted rows,
 *   celebrity authors and heavy readers (lived-in-data.ts), 1M articles at scale 1.
 */
export type SeedProfile = 'uniform' | 'lived-in';
export const SEED_PROFILES: readonly SeedProfile[] = ['uniform', 'lived-in'];

/** Row counts for one seed run. Defaults are the minimum realistic data set. */
export interface SeedPlan {
  /** Which generator; absent = uniform. */
  profile?: SeedProfile;
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

/** The lived-in profile at scale 1: 1M articles and the same ratios as a site of that size. */
export const LIVED_IN_SEED_PLAN: SeedPlan = Object.freeze({
  profile: 'lived-in',
  users: 100_000,
  articles: 1_000_000,
  favorites: 3_000_000,
  comments: 1_500_000,
  follows: 1_500_000,
  tags: 2_000,
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
  return planForProfile(overrides.profile ?? 'uniform', scale, overrides);
}

/**
 * A plan of `profile` scaled by `scale`: planForProfile('lived-in', 0.05) is 50k articles with
 * the skew of the 1M data set (the same 2,000 tags with the same lives, the same heavy readers'
 * following counts).
 * `npm run db:seed -- --profile=lived-in --scale=0.05` uses it.
 */
export function planForProfile(profile: SeedProfile, scale: number, overrides: Partial<SeedPlan> = {}): SeedPlan {
  if (!SEED_PROFILES.includes(profile)) throw new Error(`seed profile must be one of ${SEED_PROFILES.join(', ')}, got ${profile}`);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) throw new Error(`seed scale must be in (0, 100], got ${scale}`);
  const base = profile === 'lived-in' ? LIVED_IN_SEED_PLAN : DEFAULT_SEED_PLAN;
  const s = (n: number) => Math.max(1, Math.round(n * scale));
  // Lived-in: the same tag vocabulary at every size (tags do not grow with articles), so the
  // same tag has the same rank and life at 50k and 1M articles (bench:growth compares them).
  const tags = profile === 'lived-in' ? base.tags : Math.min(base.tags, Math.max(5, s(base.tags)));
  const plan: SeedPlan = {
    users: Math.max(2, s(base.users)),
    articles: s(base.articles),
    favorites: s(base.favorites),
    comments: s(base.comments),
    follows: s(base.follows),
    tags,
    loadTestAccounts: base.loadTestAccounts,
    seed: base.seed,
    ...overrides,
    ...(profile === 'lived-in' ? { profile } : {}),
  };
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'profile') continue;
    if (!Number.isInteger(value) || value < 0) throw new Error(`seed ${key} must be a non-negative integer, got ${value}`);
  }
  if (plan.users < 2) throw new Error('seed users must be at least 2');
  plan.loadTestAccounts = Math.min(plan.loadTestAccounts, plan.users, 9_999);
  plan.favorites = Math.min(plan.favorites, Math.floor(plan.users * plan.articles * 0.5));
  plan.follows = Math.min(plan.follows, Math.floor(plan.users * (plan.users - 1) * 0.5));
  return plan;
}
