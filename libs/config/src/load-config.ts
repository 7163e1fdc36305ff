import { appConfigSchema, type AppConfig } from './app-config.schema.js';

const WEAK_SECRETS = new Set(['change-me', 'secret', 'changeme', 'dev-only-secret-change-me']);

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates the environment once. Throws ConfigError with one line per bad
 * variable, e.g. "PORT: Too big: expected number to be <=65535".
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset" so `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = appConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') {
    if (config.TEST_FAULT_INJECTION) throw new ConfigError('Invalid configuration:\n  TEST_FAULT_INJECTION: fault injection is for tests and is refused in production');
    const secret = config.JWT_SECRET;
    // Too short, a known default, or too few distinct characters ("aaaa...", "passwordpassword...").
    if (secret.length < 32 || WEAK_SECRETS.has(secret) || new Set(secret).size < 10) {
      throw new ConfigError('Invalid configuration:\n  JWT_SECRET: production needs a random secret of at least 32 characters');
    }
  }
  // API docs: safe default, off in production unless asked for. The pool: fixed unless told otherwise.
  return Object.freeze({
    ...config,
    API_DOCS_ENABLED: config.API_DOCS_ENABLED ?? config.NODE_ENV !== 'production',
    DB_POOL_MIN: Math.min(config.DB_POOL_MIN ?? config.DB_POOL_MAX, config.DB_POOL_MAX),
  });
}
