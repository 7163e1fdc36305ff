import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import { freePort } from './free-port.js';

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
};
const close = (server: Server) => new Promise((r) => server.close(r));
const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
/** Sends `text`; resolves with [answer, ms] or [null, ms] when nothing came back in waitMs or the socket closed. */
const roundTrip = (s: Socket, text: string, waitMs: number) =>
  new Promise<[string | null, number]>((resolve) => {
    const t0 = performance.now();
    const timer = setTimeout(() => resolve([null, performance.now() - t0]), waitMs);
    s.once('data', (d) => {
      clearTimeout(timer);
      resolve([d.toString(), performance.now() - t0]);
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve([null, performance.now() - t0]);
    });
    s.write(text);
  });

// The TCP fault proxy against real servers on loopback (random ports).
describe('FaultProxy', () => {
  let echo: Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    proxy = new FaultProxy({ targets: [await listen(echo)], listenPort: await freePort() });
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    await close(echo);
  });

  it('passes traffic through, delays it, hangs it, and refuses or drops connections', async () => {
    proxy.set({ kind: 'pass' });
    const s = await open(proxy.port);
    expect((await roundTrip(s, 'a', 1_000))[0]).toBe('a');

    proxy.set({ kind: 'delay', ms: 300 });
    const [delayed, ms] = await roundTrip(s, 'b', 3_000);
    expect(delayed).toBe('b');
    expect(ms).toBeGreaterThanOrEqual(550); // both directions delayed

    proxy.set({ kind: 'hang' });
    expect((await roundTrip(s, 'c', 500))[0]).toBeNull();

    proxy.set({ kind: 'refuse' }); // drops every open connection, refuses new ones
    expect(s.destroyed || (await roundTrip(s, 'd', 500))[0] === null).toBe(true);
    const refused = await open(proxy.port).then(
      (x) => roundTrip(x, 'e', 500),
      () => [null, 0] as [null, number],
    );
    expect(refused[0]).toBeNull();

    proxy.set({ kind: 'pass' });
    expect((await roundTrip(await open(proxy.port), 'f', 1_000))[0]).toBe('f');
  });

  it('sends each new connection to the first target that accepts it, on a port the OS picks', async () => {
    const named = (name: string) => createServer((s) => s.on('data', () => s.write(name)));
    const [one, two] = [named('one'), named('two')];
    const [portOne, portTwo] = [await listen(one), await listen(two)];
    const lb = new FaultProxy({ targets: [portOne, portTwo] });
    await lb.start();
    try {
      expect(lb.url).toBe(`http://127.0.0.1:${lb.port}`);
      const first = await open(lb.port);
      expect((await roundTrip(first, 'x', 1_000))[0]).toBe('one');

      await new Promise((r) => {
        first.once('close', r);
        one.close(); // stops listening; the open connection ends below
        first.destroy();
      });
      // Target one refuses now: a reconnecting client lands on two, and its first bytes arrive.
      const second = await open(lb.port);
      expect((await roundTrip(second, 'y', 1_000))[0]).toBe('two');

      second.destroy();
      await close(two);
      expect((await roundTrip(await open(lb.port), 'z', 500))[0]).toBeNull(); // no target left
    } finally {
      await lb.stop();
    }
  });
});
