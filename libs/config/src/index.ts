export { appConfigSchema, type AppConfig } from './app-config.schema.js';
export { loadConfig, ConfigError } from './load-config.js';
export { APP_CONFIG } from './app-config.token.js';
