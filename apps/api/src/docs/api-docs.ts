import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { AppConfig } from '@conduit/config';
import { TOKEN_SCHEME } from './api-docs.decorators.js';
import { genericErrorSchema } from './response.schemas.js';

export const API_DOCS_PATH = 'api/docs';
export const API_DOCS_JSON_PATH = 'api/docs-json';

/**
 * The OpenAPI document, generated from the controllers (routes, ApiDocs decorators) and the zod
 * schemas the routes validate with. Agreement with the RealWorld spec:
 * apps/api/test/docs/openapi-agreement.spec.ts.
 */
export function buildApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Conduit API')
    .setDescription(
      'The RealWorld ("Conduit") API, plus image upload, chat history and health. Errors always have the shape ' +
        '`{"errors": {"<field>": ["message"]}}`. Every route may answer 429 (rate limit) or 503 (overload, with ' +
        'Retry-After). Chat events (Socket.IO, namespace /chat): docs/chat-events.md.',
    )
    .setVersion('1.0.0')
    .addServer('/', 'This server')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Authorization: Token <jwt from /api/users or /api/users/login>' }, TOKEN_SCHEME)
    .addGlobalResponse({ status: 429, description: 'Rate limit reached (Retry-After)', standardSchema: genericErrorSchema })
    .addGlobalResponse({ status: 503, description: 'Overloaded or draining: retry after Retry-After seconds', standardSchema: genericErrorSchema })
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}

/**
 * Serves the document at /api/docs-json and Swagger UI at /api/docs when API_DOCS_ENABLED (on outside
 * production by default, libs/config). Costs nothing per API request: the routes are plain Fastify
 * routes beside the API's, the document is built on its first request (not at startup), then kept;
 * when disabled nothing is registered and both paths are 404. They go through the same front door as
 * every request (load shedding, metrics by route), not through Nest's guards (no token needed).
 */
export function installApiDocs(app: NestFastifyApplication, config: AppConfig): void {
  if (!config.API_DOCS_ENABLED) return;
  SwaggerModule.setup(API_DOCS_PATH, app, () => buildApiDocument(app), {
    jsonDocumentUrl: API_DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Conduit API',
    swaggerOptions: { persistAuthorization: false },
  });
}
