import { appConfigSchema, workerConfigSchema } from '@conduit/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/** compose.pgbouncer.yaml over compose.yaml, checked structurally (no Docker engine here). */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
type Services = Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[]; depends_on?: Record<string, unknown> }>;
const base = (parse(read('compose.yaml'), { merge: true }) as { services: Services }).services;
const overlay = (parse(read('compose.pgbouncer.yaml'), { merge: true }) as { services: Services }).services;
const ini = read('infra/pgbouncer/pgbouncer.ini');
const setting = (name: string) => new RegExp(`^${name}\\s*=\\s*(.*)$`, 'm').exec(ini)?.[1].trim();
const merged = (name: string): Record<string, string> => ({ ...base[name].environment, ...overlay[name].environment, JWT_SECRET: 'a8f0c3e91b7d4f62a5e8c0d3b9f1e7a4' });
const apps = Object.keys(base).filter((name) => /^api-\d+$/.test(name) || name === 'worker');

describe('compose.pgbouncer.yaml', () => {
  it('sends every API instance and the worker through PgBouncer, in transaction-pooler mode', () => {
    expect(apps.length).toBeGreaterThanOrEqual(3);
    for (const name of apps) {
      expect(overlay[name], name).toBeDefined();
      const env = merged(name);
      expect(new URL(env.DATABASE_URL).host, name).toBe('pgbouncer:6432');
      const schema = name === 'worker' ? workerConfigSchema : appConfigSchema;
      const parsed = schema.safeParse(env);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(parsed.data?.DB_TRANSACTION_POOLER, name).toBe(true);
    }
  });

  it('keeps migrate and seed on PostgreSQL directly (session advisory locks)', () => {
    expect(overlay.migrate).toBeUndefined();
    expect(overlay.seed).toBeUndefined();
    expect(new URL(base.migrate.environment!.DATABASE_URL).host).toBe('postgres:5432');
  });

  it('runs transaction mode with the login settings of a direct pool and a budget that fits max_connections', () => {
    expect(setting('pool_mode')).toBe('transaction');
    const database = /^conduit = (.*)$/m.exec(ini)?.[1] ?? '';
    expect(database).toContain('host=postgres');
    const api = appConfigSchema.parse(merged('api-1'));
    expect(database).toContain(`SET statement_timeout = ${api.DB_STATEMENT_TIMEOUT_MS}`);
    expect(database).toContain('SET jit = off');
    expect(Number(setting('query_wait_timeout')) * 1000).toBe(api.DB_POOL_ACQUIRE_TIMEOUT_MS);

    const maxConnections = Number(/max_connections=(\d+)/.exec(base.postgres.command?.join(' ') ?? '')?.[1]);
    const poolSize = Number(setting('default_pool_size'));
    expect(Number(setting('max_db_connections'))).toBe(poolSize);
    expect(poolSize + Math.max(10, Math.ceil(maxConnections * 0.3))).toBeLessThanOrEqual(maxConnections);
    const clients = apps.filter((n) => n !== 'worker').length * api.DB_POOL_MAX + Number(merged('worker').WORKER_DB_POOL_MAX);
    expect(Number(setting('max_client_conn'))).toBeGreaterThanOrEqual(2 * clients);
  });

  it('authenticates the user the apps connect as', () => {
    const user = decodeURIComponent(new URL(merged('api-1').DATABASE_URL).username);
    expect(read('infra/pgbouncer/userlist.txt')).toMatch(new RegExp(`^"${user}" `, 'm'));
    expect(overlay.pgbouncer.volumes).toContain('./infra/pgbouncer/pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro');
  });
});
