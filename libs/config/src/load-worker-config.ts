import { ConfigError } from './load-config.js';
import { workerConfigSchema, type WorkerConfig } from './worker-config.schema.js';

/** loadConfig's twin for apps/worker: validates once, one line per bad variable. */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = workerConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid worker configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}
