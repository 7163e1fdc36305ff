export { appConfigSchema, type AppConfig } from './app-config.schema.js';
export { loadConfig, ConfigError } from './load-config.js';
export { APP_CONFIG } from './app-config.token.js';
export { workerConfigSchema, type WorkerConfig } from './worker-config.schema.js';
export { loadWorkerConfig } from './load-worker-config.js';
export { queueConfigShape, storageConfigShape } from './queue-config.schema.js';
