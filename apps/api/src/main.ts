import { ConfigError, loadConfig, type AppConfig } from '@conduit/config';
import { createApp } from './bootstrap/create-app.js';
import { installGracefulShutdown } from './bootstrap/graceful-shutdown.js';

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const app = await createApp(config);
installGracefulShutdown(app, config);
await app.listen({ port: config.PORT, host: config.HOST });
app.getHttpAdapter().getInstance().log.info({ port: config.PORT, host: config.HOST }, 'api listening');
