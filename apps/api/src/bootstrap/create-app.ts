import 'reflect-metadata';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@conduit/config';
import { PinoNestLogger, createLogger, httpRequestDuration, httpRequestsTotal } from '@conduit/observability';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppModule } from '../app.module.js';
import { ChatIoAdapter } from '../chat/chat-io.adapter.js';
import { ArticleCache } from '../articles/article.cache.js';
import { cachedReadFastPath } from '../cache/cached-read.fast-path.js';
import { CommentsCache } from '../comments/comments.cache.js';
import { ProfileCache } from '../profiles/profile.cache.js';
import { TokenService } from '../auth/token.service.js';
import { installApiDocs } from '../docs/api-docs.js';
import { TagsCache } from '../tags/tags.cache.js';
import { RateLimitGuard } from '../traffic/rate-limit.guard.js';
import { installFrontDoor } from '../traffic/front-door.js';
import { isWarmupRequest } from '../warmup/warmup-marker.js';
import { WarmupState } from '../warmup/warmup-state.js';
import { fastifyRequestLogging, installSlowRequestLog } from './request-logging.js';
import { installSecurityHeaders } from './security-headers.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface CreateAppOptions {
  /** Where JSON logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

/** Builds the API (used by main.ts and by in-process tests). Does not listen. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api', instanceId: config.INSTANCE_ID, destination: options.logDestination });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config, logger), {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    abortOnError: false,
  });

  // Health answers and admission control: the first hook, ahead of everything registered below.
  installFrontDoor(app);
  installRequestHooks(app, config);
  // No fastify.setErrorHandler here: Nest installs Fastify's error handler itself when the app
  // initialises, and it hands errors raised before routing (body too large, malformed JSON) to the
  // global RealWorldExceptionFilter, so they get the same shape. A second handler in the same scope
  // would be replaced by Nest's, and Fastify warns about exactly that (FSTWRN004).
  acceptEmptyJsonBodies(app, config);

  await installSecurityHeaders(app.getHttpAdapter().getInstance(), { contentSecurityPolicy: false });
  // CORS runs in an onRequest hook the Nest adapter added first of all (before the front door).
  app.enableCors({ origin: config.CORS_ORIGINS, methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], maxAge: 600 });
  // Cached reads (anonymous, or signed in with a valid token) answered without the Nest pipeline,
  // in an onRequest hook right after the load shedder, request id, security and CORS headers:
  // cache/cached-read.fast-path.ts. Hooks added after it never run for the reads it answers.
  await app.register(
    cachedReadFastPath({
      articles: app.get(ArticleCache),
      comments: app.get(CommentsCache),
      profiles: app.get(ProfileCache),
      tags: app.get(TagsCache),
      rateLimit: app.get(RateLimitGuard),
      tokens: app.get(TokenService),
    }),
  );
  // Uploads (POST /api/user/image): one file, bounded size, few small fields (images/).
  await app.register(multipart, { limits: { fileSize: config.UPLOAD_MAX_BYTES, files: 1, fields: 4, fieldSize: 1_024, parts: 5, headerPairs: 50 } });
  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready', 'metrics'] });
  // OpenAPI document and Swagger UI (API_DOCS_ENABLED): plain Fastify routes, built on first request.
  installApiDocs(app, config);
  // Socket.IO for the chat gateway: Redis Streams adapter, origin allowlist, payload cap (chat/chat-io.adapter.ts).
  app.useWebSocketAdapter(new ChatIoAdapter(app, config));
  // Warm before ready: once the server listens (liveness answers), the warm-up runs in the
  // background and readiness waits for it, within WARMUP_TIMEOUT_MS (warmup/warmup-state.ts).
  const warmup = app.get(WarmupState);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onListen', (done) => {
    warmup.start(fastify);
    done();
  });
  return app;
}

function createFastifyAdapter(config: AppConfig, logger: ReturnType<typeof createLogger>): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    // A caller's X-Request-Id is kept (if well-formed) so one id follows a request across services.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from the configured load balancers.
    trustProxy: config.TRUSTED_PROXIES,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Time allowed to receive a whole request (slow-loris protection).
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // While closing, requests arriving on kept-alive sockets get 503 + Connection: close.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 300 },
    ...fastifyRequestLogging(config),
  });
}

/** Echoes the request id, logs slow requests, counts and times every response. */
function installRequestHooks(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Callback hooks, not async ones: an async hook costs a promise and a microtask per request.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  installSlowRequestLog(fastify, config);
  // One label object per method, route and status, reused (no allocation per response).
  const labelSets = new Map<string, { method: string; route: string; status_code: string }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    // The warm-up's in-process requests are not traffic (warmup/warmup-marker.ts).
    if (!isWarmupRequest(request.headers)) {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let labels = labelSets.get(key);
      if (!labels) labelSets.set(key, (labels = { method: request.method, route, status_code: String(reply.statusCode) }));
      httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
      httpRequestsTotal.inc(labels);
    }
    done();
  });
}

/**
 * An empty body sent with `Content-Type: application/json` means "no body", not a 400: the
 * official RealWorld Postman collection sends exactly that on every DELETE. Non-empty bodies
 * still go through Fastify's JSON parser (prototype-poisoning checks, BODY_LIMIT_BYTES).
 */
function acceptEmptyJsonBodies(app: NestFastifyApplication, config: AppConfig): void {
  const defaultJsonParser = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    defaultJsonParser(request as never, body as unknown as string, done);
  });
}
