import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HealthState } from './health-state.js';

const HEALTH_PATH = /^\/health\/(live|ready)(?:\?|$)/;

/**
 * Answers /health/live and /health/ready in the FIRST onRequest hook (traffic/front-door.ts),
 * from state: no routing, guards, body parsing, rate limits or admission control run before
 * them, and they never wait behind queued requests or a saturated database pool.
 * Returns false for every other URL.
 */
export function answerHealth(health: HealthState, request: FastifyRequest, reply: FastifyReply): boolean {
  const match = HEALTH_PATH.exec(request.url);
  if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  const body = match[1] === 'live' ? health.live() : health.ready();
  const status = 'status' in body && body.status === 'error' ? 503 : 200;
  reply.code(status).header('cache-control', 'no-store').send(body);
  return true;
}
