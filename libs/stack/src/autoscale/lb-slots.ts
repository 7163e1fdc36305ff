/** The part of the stack's LoadBalancer this module needs (no import of haproxy.ts: it imports this). */
interface RuntimeApi {
  command(line: string): Promise<string>;
}

/** The backends whose server slots name API instances (infra/haproxy/haproxy.cfg, API_SERVER_TEMPLATE). */
const BACKENDS = ['api', 'socketio', 'api_panic'] as const;

async function command(lb: RuntimeApi, line: string): Promise<void> {
  const answer = await lb.command(line);
  // Success is an empty answer or an informational line; failures start with these words.
  if (/^(No such|Require|Unknown|Invalid|'set server' expects)/i.test(answer)) throw new Error(`HAProxy refused "${line}": ${answer}`);
}

/**
 * Fills and empties HAProxy's server-template slots at run time through the runtime API (stats
 * socket), with no reload: a reload would start a new HAProxy process and cut nothing only if
 * every connection moved over, which WebSockets do not.
 */
export const lbSlots = {
  /** Points slot api-<index> at 127.0.0.1:<port> in every backend and makes it eligible (health checks decide UP). */
  async enable(lb: RuntimeApi, index: number, port: number): Promise<void> {
    for (const backend of BACKENDS) {
      await command(lb, `set server ${backend}/api-${index} addr 127.0.0.1 port ${port}`);
      await command(lb, `set server ${backend}/api-${index} state ready`);
    }
  },
  /** No new requests or Socket.IO sessions; requests in flight finish. */
  async drain(lb: RuntimeApi, index: number): Promise<void> {
    for (const backend of BACKENDS) await command(lb, `set server ${backend}/api-${index} state drain`);
  },
  /** Out of rotation (after the instance has exited). */
  async disable(lb: RuntimeApi, index: number): Promise<void> {
    for (const backend of BACKENDS) await command(lb, `set server ${backend}/api-${index} state maint`);
  },
};
