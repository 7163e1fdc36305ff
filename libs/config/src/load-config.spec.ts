import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const MINIMAL = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/conduit', JWT_SECRET: 'a-local-secret-of-enough-length' };
const STRONG_SECRET = 'Zq8v1mR4kX7tB2nW9cL5hJ3pF6sD0gYe';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('names a missing required variable in one message', () => {
    const error = configError({ JWT_SECRET: MINIMAL.JWT_SECRET });
    expect(error.message).toMatch(/^Invalid configuration:\n {2}DATABASE_URL: /);
    expect(error.message.split('\n')).toHaveLength(2);
  });

  it.each([
    ['PORT', 'not-a-number'],
    ['PORT', '70000'],
    ['DB_POOL_MAX', '0'],
    ['DB_POOL_ACQUIRE_TIMEOUT_MS', '-5'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'prod'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['DATABASE_URL', 'mysql://root@localhost/conduit'],
    ['METRICS_ENABLED', 'yes'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const error = configError({ ...MINIMAL, [name]: value });
    const lines = error.message.split('\n').slice(1);
    expect(lines).toHaveLength(1);
    expect(lines[0].trim().startsWith(`${name}: `)).toBe(true);
  });

  it('lists every bad variable at once, one line each', () => {
    const error = configError({ PORT: 'x', DB_POOL_MAX: '100000' });
    const names = error.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(':')[0])
      .sort();
    expect(names).toEqual(['DATABASE_URL', 'DB_POOL_MAX', 'JWT_SECRET', 'PORT']);
  });

  it('does not echo secrets in the message', () => {
    const error = configError({ ...MINIMAL, DATABASE_URL: 'mysql://root:hunter2-db-pass@db/conduit', JWT_SECRET: 'short-s3cr3t' });
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain('hunter2-db-pass');
    expect(error.message).not.toContain('short-s3cr3t');
  });

  it.each([
    ['the .env.example default', 'dev-only-secret-change-me'],
    ['a short secret', 'abcdefghijklmnopqrstuvwxyz'],
    ['one repeated character', 'x'.repeat(64)],
    ['a repeated word', 'password'.repeat(6)],
  ])('refuses %s as JWT_SECRET in production', (_label, secret) => {
    const error = configError({ ...MINIMAL, NODE_ENV: 'production', JWT_SECRET: secret });
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain(secret);
  });

  it('accepts a strong JWT secret in production, and weak-but-long-enough ones outside it', () => {
    expect(loadConfig({ ...MINIMAL, NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET }).JWT_SECRET).toBe(STRONG_SECRET);
    expect(loadConfig({ ...MINIMAL, NODE_ENV: 'development', JWT_SECRET: 'x'.repeat(16) }).NODE_ENV).toBe('development');
  });

  it('fault injection is off by default, allowed in tests and refused in production', () => {
    expect(loadConfig(MINIMAL).TEST_FAULT_INJECTION).toBe(false);
    expect(loadConfig({ ...MINIMAL, NODE_ENV: 'test', TEST_FAULT_INJECTION: 'true' }).TEST_FAULT_INJECTION).toBe(true);
    expect(configError({ ...MINIMAL, NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, TEST_FAULT_INJECTION: 'true' }).message).toContain('TEST_FAULT_INJECTION');
    expect(configError({ ...MINIMAL, TEST_FAULT_INJECTION: 'yes' }).message).toContain('TEST_FAULT_INJECTION');
  });

  it('has safe defaults', () => {
    const c = loadConfig(MINIMAL);
    expect(c.NODE_ENV).toBe('development');
    // Listens on loopback unless told otherwise; CORS never defaults to "*".
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.CORS_ORIGINS).not.toContain('*');
    expect(c.TRUSTED_PROXIES).toEqual(['127.0.0.1']);
    // Every wait is bounded: no "0 = forever" defaults.
    expect(c.DB_POOL_ACQUIRE_TIMEOUT_MS).toBeGreaterThan(0);
    expect(c.DB_POOL_ACQUIRE_TIMEOUT_MS).toBeLessThanOrEqual(5_000);
    expect(c.DB_STATEMENT_TIMEOUT_MS).toBeGreaterThan(0);
    expect(c.REDIS_COMMAND_TIMEOUT_MS).toBeLessThanOrEqual(1_000);
    expect(c.REQUEST_TIMEOUT_MS).toBeGreaterThan(0);
    expect(c.HEALTH_CHECK_TIMEOUT_MS).toBeGreaterThan(0);
    // Shutdown: drain first, then a hard deadline under the usual 10 s container grace.
    expect(c.SHUTDOWN_DRAIN_DELAY_MS).toBeLessThan(c.SHUTDOWN_TIMEOUT_MS);
    expect(c.SHUTDOWN_TIMEOUT_MS).toBeLessThan(10_000);
    // Keep-alive above typical proxy idle timeouts (nginx 60 s).
    expect(c.KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(c.BODY_LIMIT_BYTES).toBeLessThanOrEqual(1024 * 1024);
    expect(c.DB_POOL_MAX).toBeGreaterThan(0);
    expect(c.DB_POOL_MAX).toBeLessThanOrEqual(50);
  });

  it('keeps a fixed database pool unless DB_POOL_MIN says otherwise (never above DB_POOL_MAX)', () => {
    expect(loadConfig(MINIMAL).DB_POOL_MIN).toBe(loadConfig(MINIMAL).DB_POOL_MAX);
    expect(loadConfig({ ...MINIMAL, DB_POOL_MAX: '9' }).DB_POOL_MIN).toBe(9);
    expect(loadConfig({ ...MINIMAL, DB_POOL_MAX: '9', DB_POOL_MIN: '2' }).DB_POOL_MIN).toBe(2);
    expect(loadConfig({ ...MINIMAL, DB_POOL_MAX: '3', DB_POOL_MIN: '8' }).DB_POOL_MIN).toBe(3);
    expect(configError({ ...MINIMAL, DB_POOL_MIN: '-1' }).message).toContain('DB_POOL_MIN');
  });

  it('serves the API docs outside production by default, never in production unless asked for', () => {
    expect(loadConfig(MINIMAL).API_DOCS_ENABLED).toBe(true);
    expect(loadConfig({ ...MINIMAL, NODE_ENV: 'test' }).API_DOCS_ENABLED).toBe(true);
    const production = { ...MINIMAL, NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET };
    expect(loadConfig(production).API_DOCS_ENABLED).toBe(false);
    expect(loadConfig({ ...production, API_DOCS_ENABLED: '' }).API_DOCS_ENABLED).toBe(false);
    expect(loadConfig({ ...production, API_DOCS_ENABLED: 'true' }).API_DOCS_ENABLED).toBe(true);
    expect(loadConfig({ ...MINIMAL, API_DOCS_ENABLED: 'false' }).API_DOCS_ENABLED).toBe(false);
    expect(configError({ ...MINIMAL, API_DOCS_ENABLED: 'yes' }).message).toContain('API_DOCS_ENABLED');
  });

  it('treats empty values as unset and returns a frozen object', () => {
    const c = loadConfig({ ...MINIMAL, PORT: '', LOG_LEVEL: '' });
    expect(c.PORT).toBe(3000);
    expect(c.LOG_LEVEL).toBe('info');
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadConfig({ ...MINIMAL, PORT: '4000', METRICS_ENABLED: '0' })).toMatchObject({ PORT: 4000, METRICS_ENABLED: false });
  });
});
