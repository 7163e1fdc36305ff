import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DIST } from './paths.js';
import { startStaticServer } from './static-server.js';
import type { StackContext } from './types.js';

/** Serves apps/web/dist (when built and not switched off); returns its URL. */
export async function startWeb(ctx: StackContext): Promise<string | undefined> {
  if (ctx.options.web === false || !existsSync(join(WEB_DIST, 'index.html'))) return undefined;
  ctx.processes.staticServer = await startStaticServer(WEB_DIST, ctx.ports.web);
  return `http://127.0.0.1:${ctx.ports.web}`;
}
