export { createPool, type PoolSettings } from './create-pool.js';
export { createPrismaClient, Prisma, type PrismaClient } from './prisma.js';
export { isDatabaseUnavailableError, isInvalidTextError, uniqueViolationFields } from './db-errors.js';
export { applyMigrations, ensureDatabase } from './apply-migrations.js';
export { seedDatabase, SEED_ARGON2_OPTIONS, SEEDED_TABLES, type SeedResult } from './seed/seed-database.js';
export { planForScale, loadTestUsername, DEFAULT_SEED_PLAN, SEED_PASSWORD, LOAD_TEST_EMAIL_DOMAIN, type SeedPlan } from './seed/seed-plan.js';
