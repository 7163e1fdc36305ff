export { createPool, type PoolSettings } from './create-pool.js';
export { UnnamedStatementClient } from './unnamed-statement-client.js';
export { WriteWatermark, writeWatermarkKey } from './replica/write-watermark.js';
export { lsnReached, lsnToNumber } from './replica/lsn.js';
export { createPrismaClient, Prisma, type PrismaClient } from './prisma.js';
export { isDatabaseUnavailableError, isForeignKeyViolation, isInvalidTextError, uniqueViolationFields } from './db-errors.js';
export { applyMigrations, ensureDatabase } from './apply-migrations.js';
export { seedDatabase, SEED_ARGON2_OPTIONS, SEEDED_TABLES, type SeedResult } from './seed/seed-database.js';
export { livedInTags, heavyReaderFollowing } from './seed/lived-in-data.js';
export { tagLife, type TagLife } from './seed/lived-in-tags.js';
export {
  planForScale,
  planForProfile,
  loadTestUsername,
  DEFAULT_SEED_PLAN,
  LIVED_IN_SEED_PLAN,
  SEED_PROFILES,
  type SeedProfile,
  SEED_PASSWORD,
  LOAD_TEST_EMAIL_DOMAIN,
  type SeedPlan,
} from './seed/seed-plan.js';
