import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

/** Headers of the probe's response that are not helmet's. */
const NOT_HELMET = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets with these options, read once from a throwaway Fastify
 * instance. With no per-route helmet options and no CSP nonces they are the same on every
 * response, so they can be set as a constant set.
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, options);
  probe.get('/', (_request, reply) => reply.send(''));
  try {
    const response = await probe.inject({ method: 'GET', url: '/' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (!NOT_HELMET.has(name) && typeof value === 'string') headers[name] = value;
    return headers;
  } finally {
    await probe.close();
  }
}

/**
 * Security headers on every response: `headers` from helmetHeaders (create-app.ts: contentSecurityPolicy off).
 * Protects against: the usual browser-side attacks helmet covers (clickjacking, MIME sniffing,
 * referrer leaks, downgrade to HTTP). Computed once at startup (helmetHeaders) and set in one
 * onRequest hook: registered as a plugin, @fastify/helmet rebuilds its middleware from the options
 * and sets each header on the raw response for every request (measured ~20 µs a request, the
 * largest item of a cached read after the socket write).
 * Tested in apps/api/test/security/security-headers.e2e.spec.ts.
 */
export function installSecurityHeaders(fastify: FastifyInstance, headers: Record<string, string>): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
