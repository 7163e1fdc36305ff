// A small TCP fault proxy on loopback (no tc/netem or toxiproxy on this machine). It passes traffic
// through, adds latency to every chunk in both directions, hangs (accepts and holds connections,
// forwards nothing), or refuses (closes everything). With several targets it is also a load balancer
// stand-in: each new connection goes to the first target that accepts it, so when one dies,
// reconnecting clients land on the next. Raw TCP, so WebSocket upgrades pass through untouched.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type FaultMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'hang' } | { kind: 'refuse' };

export interface FaultProxyOptions {
  /** Ports on 127.0.0.1, tried in order for every new connection. */
  targets: number[];
  /** Port to listen on; omitted or 0: one the OS picks (see `port` and `url` after start()). */
  listenPort?: number;
}

type Pair = [client: Socket, upstream: Socket | undefined];

export class FaultProxy {
  mode: FaultMode = { kind: 'pass' };
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private readonly targets: number[];
  private readonly listenPort: number;

  constructor(options: FaultProxyOptions) {
    if (!options.targets.length) throw new Error('FaultProxy: no target port');
    this.targets = options.targets;
    this.listenPort = options.listenPort ?? 0;
  }

  /** The port it listens on; known once start() has run. */
  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FaultProxy: call start() before reading its port');
    return address.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
  }

  set(mode: FaultMode): void {
    this.mode = mode;
    if (mode.kind === 'refuse') this.dropAll();
  }

  /** Closes every proxied connection (both sides). */
  dropAll(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b?.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => {});
    if (this.mode.kind === 'refuse') return void client.destroy();
    const pair: Pair = [client, undefined];
    this.pairs.add(pair);
    client.on('close', () => this.pairs.delete(pair));
    if (this.mode.kind === 'hang') return; // held open, nothing forwarded, until the mode changes and the client gives up
    client.pause(); // nothing is read until a target accepted (so a refused target loses no bytes)
    this.connectTarget(pair, 0);
  }

  /** Tries targets from `index` on; the first that accepts gets the connection for good. */
  private connectTarget(pair: Pair, index: number): void {
    const [client] = pair;
    if (index >= this.targets.length) return void client.destroy();
    const upstream = connect(this.targets[index], '127.0.0.1');
    pair[1] = upstream;
    const tryNext = () => {
      upstream.destroy();
      if (!client.destroyed) this.connectTarget(pair, index + 1);
    };
    upstream.once('error', tryNext);
    upstream.once('connect', () => {
      // From here on a failure ends this client connection; it never moves mid-stream.
      upstream.off('error', tryNext);
      if (client.destroyed) return void upstream.destroy();
      this.join(client, upstream);
    });
  }

  private join(client: Socket, upstream: Socket): void {
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    this.forward(client, upstream);
    this.forward(upstream, client);
    client.resume();
  }

  /** Forwards chunks as the current mode says (a mode change applies to open connections too). */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      const m = this.mode;
      if (m.kind === 'hang') return; // swallowed: the peer waits
      if (m.kind === 'delay') {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, m.ms);
      } else if (!to.destroyed) to.write(chunk);
    });
  }
}
