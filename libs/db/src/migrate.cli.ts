// `npm run db:migrate`: creates the database if needed and applies prisma/migrations.
// Reads only DATABASE_URL (a one-shot tool, not the long-running app's config).
import { fileURLToPath } from 'node:url';
import { applyMigrations, ensureDatabase } from './apply-migrations.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/conduit';
const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
await ensureDatabase(databaseUrl);
const applied = await applyMigrations(databaseUrl, migrationsDir, (line) => console.log(line));
console.log(applied.length ? `migrations applied: ${applied.length}` : 'database is up to date');
