import 'reflect-metadata';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@conduit/config';
import { PinoNestLogger, createLogger, httpRequestDuration, httpRequestsTotal } from '@conduit/observability';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppModule } from '../app.module.js';
import { ChatIoAdapter } from '../chat/chat-io.adapter.js';
import { toErrorResponse } from '../common/realworld-exception.filter.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface CreateAppOptions {
  /** Where JSON logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

/** Builds the API (used by main.ts and by in-process tests). Does not listen. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api', instanceId: config.INSTANCE_ID, destination: options.logDestination });
  const adapter = new FastifyAdapter({
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    abortOnError: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Which instance answered (behind the load balancer): infra/test/stack/twin.e2e.spec.ts.
    reply.header('x-instance-id', config.INSTANCE_ID);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    httpRequestsTotal.inc(labels);
  });
  // Errors raised before Nest routing (body too large, malformed JSON) get the same shape.
  fastify.setErrorHandler((error, request, reply) => {
    const { status, body, headers } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.headers(headers).status(status).send(body);
  });

  // An empty body sent with `Content-Type: application/json` means "no body", not a 400: the
  // official RealWorld Postman collection sends exactly that on every DELETE. Non-empty bodies
  // still go through Fastify's JSON parser (prototype-poisoning checks, BODY_LIMIT_BYTES).
  const defaultJsonParser = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    defaultJsonParser(request as never, body as unknown as string, done);
  });

  await app.register(helmet, { contentSecurityPolicy: false });
  // Uploads (POST /api/user/image): one file, bounded size, few small fields (images/).
  await app.register(multipart, { limits: { fileSize: config.UPLOAD_MAX_BYTES, files: 1, fields: 4, fieldSize: 1_024, parts: 5, headerPairs: 50 } });
  app.enableCors({ origin: config.CORS_ORIGINS, methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], maxAge: 600 });
  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready', 'metrics'] });
  // Socket.IO for the chat gateway: Redis Streams adapter, origin allowlist, payload cap (chat/chat-io.adapter.ts).
  app.useWebSocketAdapter(new ChatIoAdapter(app, config));
  return app;
}
