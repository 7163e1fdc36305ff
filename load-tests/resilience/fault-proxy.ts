// A small TCP fault proxy on loopback (no tc/netem or toxiproxy on this machine): sits between
// the stack and its PostgreSQL and can pass traffic through, add latency to every chunk in both
// directions, hang (accept and hold connections, forward nothing), or refuse (close everything).
import { connect, createServer, type Server, type Socket } from 'node:net';

export type FaultMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'hang' } | { kind: 'refuse' };

export class FaultProxy {
  mode: FaultMode = { kind: 'pass' };
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket | undefined]>();

  constructor(readonly listenPort: number, readonly targetPort: number) {}

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

  private accept(client: Socket): void {
    client.on('error', () => {});
    if (this.mode.kind === 'refuse') return void client.destroy();
    const pair: [Socket, Socket | undefined] = [client, undefined];
    this.pairs.add(pair);
    const forget = () => this.pairs.delete(pair);
    client.on('close', forget);
    if (this.mode.kind === 'hang') return; // held open, nothing forwarded, until the mode changes and the client gives up
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair[1] = upstream;
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const pipe = (from: Socket, to: Socket) =>
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
    pipe(client, upstream);
    pipe(upstream, client);
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
