// Runs the API from TypeScript sources in a child process (multi-instance tests): node
// --conditions=@conduit/source --import ./swc-register.mjs apps/api/src/main.ts
// Same SWC settings as scripts/build.mjs (decorator metadata for NestJS DI), so tests exercise
// the current sources without a build step racing other runs over dist/.
import { register } from 'node:module';

register('./swc-hooks.mjs', import.meta.url);
