import 'reflect-metadata';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@conduit/config';
import { PinoNestLogger, createLogger } from '@conduit/observability';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import { AppModule } from '../app.module.js';
import { ChatIoAdapter } from '../chat/chat-io.adapter.js';
import { ArticleCache } from '../articles/article.cache.js';
import { cachedReadFastPath } from '../cache/cached-read.fast-path.js';
import { MemoryHitFront } from '../cache/memory-hit-front.js';
import { CommentsCache } from '../comments/comments.cache.js';
import { ProfileCache } from '../profiles/profile.cache.js';
import { TokenService } from '../auth/token.service.js';
import { installApiDocs } from '../docs/api-docs.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { recordHttpResponse } from '../metrics/http-metrics.js';
import { TagsCache } from '../tags/tags.cache.js';
import { RateLimitGuard } from '../traffic/rate-limit.guard.js';
import { installFrontDoor } from '../traffic/front-door.js';
import { LoadShedder } from '../traffic/load-shedder.js';
import { isWarmupRequest } from '../warmup/warmup-marker.js';
import { WarmupState } from '../warmup/warmup-state.js';
import { fastifyRequestLogging, installSlowRequestLog } from './request-logging.js';
import { requestIdOf } from './request-id.js';
import { helmetHeaders, installSecurityHeaders } from './security-headers.js';

export interface CreateAppOptions {
  /** Where JSON logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

/** Builds the API (used by main.ts and by in-process tests). Does not listen. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api', instanceId: config.INSTANCE_ID, destination: options.logDestination });
  // The memory-hit front sees each request before Fastify; it needs the app's services, so it is
  // plugged in once they exist (below). Until then every request goes straight to Fastify.
  const first: { front?: MemoryHitFront } = {};
  const serveFirst = (request: IncomingMessage, response: ServerResponse) => first.front?.answer(request, response) === true;
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config, logger, serveFirst), {
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

  const securityHeaders = await helmetHeaders({ contentSecurityPolicy: false });
  installSecurityHeaders(app.getHttpAdapter().getInstance(), securityHeaders);
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
  // Anonymous cached reads already in this instance's memory, answered before Fastify
  // (cache/memory-hit-front.ts); everything else continues to the hooks above.
  first.front = memoryHitFront(app, config, securityHeaders);
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

function memoryHitFront(app: NestFastifyApplication, config: AppConfig, securityHeaders: Record<string, string>): MemoryHitFront {
  return new MemoryHitFront({
    articles: app.get(ArticleCache),
    comments: app.get(CommentsCache),
    profiles: app.get(ProfileCache),
    tags: app.get(TagsCache),
    rateLimit: app.get(RateLimitGuard),
    lifecycle: app.get(LifecycleService),
    shedder: app.get(LoadShedder),
    instanceId: config.INSTANCE_ID,
    trustedProxies: config.TRUSTED_PROXIES,
    securityHeaders,
  });
}

/**
 * `serveFirst` sees every request before Fastify and returns true for those it answered itself
 * (Fastify's serverFactory). With a server factory Fastify leaves the server's timeouts alone, so
 * they are set here.
 */
function createFastifyAdapter(config: AppConfig, logger: ReturnType<typeof createLogger>, serveFirst: (request: IncomingMessage, response: ServerResponse) => boolean): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
      const server = http.createServer((request, response) => {
        if (!serveFirst(request, response)) handler(request, response);
      });
      // Above the load balancer's idle timeout, so it never reuses a socket the app just closed.
      server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
      // Time allowed to receive a whole request (slow-loris protection).
      server.requestTimeout = config.REQUEST_TIMEOUT_MS;
      return server;
    },
    // A caller's X-Request-Id is kept (if well-formed) so one id follows a request across services.
    genReqId: (req: IncomingMessage) => requestIdOf(req.headers),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from the configured load balancers.
    trustProxy: config.TRUSTED_PROXIES,
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
  fastify.addHook('onResponse', (request, reply, done) => {
    // The warm-up's in-process requests are not traffic (warmup/warmup-marker.ts).
    if (!isWarmupRequest(request.headers)) recordHttpResponse(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
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
