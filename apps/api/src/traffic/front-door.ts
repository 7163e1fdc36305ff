import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { answerHealth } from '../health/health-endpoints.js';
import { HealthState } from '../health/health-state.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { LoadShedder } from './load-shedder.js';

/**
 * The first thing every HTTP request meets (call right after NestFactory.create, before any
 * other hook or plugin is registered: Fastify runs onRequest hooks in registration order).
 * 1. /health/live and /health/ready are answered from state (health-endpoints.ts), so a busy
 *    instance still answers its load balancer within microseconds of reading the request.
 * 2. Admission control (LoadShedder) admits the request or refuses it with a fast 503.
 * Everything else (request ids, helmet, CORS, routing, auth, rate limits, parsing) comes after.
 * Order tested in apps/api/test/traffic/load-shedding.e2e.spec.ts.
 */
export function installFrontDoor(app: NestFastifyApplication): void {
  const health = app.get(HealthState);
  const shedder = app.get(LoadShedder);
  const lifecycle = app.get(LifecycleService);
  const instanceId = app.get<AppConfig>(APP_CONFIG).INSTANCE_ID;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      // Which instance answered, on every response including health answers and refusals
      // (infra/test/stack/twin.e2e.spec.ts, apps/api/test/metrics/metrics.e2e.spec.ts).
      reply.header('x-instance-id', instanceId);
      // Draining: answers written right here must also send keep-alive clients elsewhere
      // (bootstrap/graceful-shutdown.ts does it for the rest).
      if (lifecycle.isDraining) reply.header('connection', 'close');
      if (answerHealth(health, request, reply)) return;
      shedder.admit(request, reply, done);
    });
}
