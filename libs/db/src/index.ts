export { createPool, type PoolSettings } from './create-pool.js';
export { createPrismaClient, Prisma, type PrismaClient } from './prisma.js';
export { isDatabaseUnavailableError, uniqueViolationFields } from './db-errors.js';
export { applyMigrations, ensureDatabase } from './apply-migrations.js';
