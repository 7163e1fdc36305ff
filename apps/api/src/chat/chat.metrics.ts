import { metricsRegistry } from '@conduit/observability';
import { Counter, Gauge } from 'prom-client';

/** Open /chat sockets on this instance (sum over instances for the cluster). */
export const chatConnections = new Gauge({
  name: 'chat_socket_connections',
  help: 'Connected /chat Socket.IO clients on this instance',
  registers: [metricsRegistry],
});

/** Chat messages received, by outcome (stored, replayed: a resend of a stored client id, invalid, forbidden, rate_limited, error). */
export const chatMessages = new Counter({
  name: 'chat_messages_total',
  help: 'Chat messages received from clients by outcome',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/** Failures on the delivery path: adapter publish (Redis), presence (Redis), persistence (PostgreSQL). */
export const chatDeliveryErrors = new Counter({
  name: 'chat_delivery_errors_total',
  help: 'Chat delivery failures by stage',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** Sockets this instance disconnected for misbehaving (rate, payload) or expired tokens. */
export const chatForcedDisconnects = new Counter({
  name: 'chat_forced_disconnects_total',
  help: 'Chat sockets disconnected by the server, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});
