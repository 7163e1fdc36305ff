import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.ts';

// The resilience suite's TCP fault proxy against a real echo server on loopback (random ports).
describe('FaultProxy', () => {
  let echo: Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const target = (echo.address() as { port: number }).port;
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    proxy = new FaultProxy(port, target);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise((r) => echo.close(r));
  });

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(proxy.listenPort, '127.0.0.1', () => resolve(s));
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

  it('passes traffic through, delays it, hangs it, and refuses or drops connections', async () => {
    proxy.set({ kind: 'pass' });
    const s = await open();
    expect((await roundTrip(s, 'a', 1_000))[0]).toBe('a');

    proxy.set({ kind: 'delay', ms: 300 });
    const [delayed, ms] = await roundTrip(s, 'b', 3_000);
    expect(delayed).toBe('b');
    expect(ms).toBeGreaterThanOrEqual(550); // both directions delayed

    proxy.set({ kind: 'hang' });
    expect((await roundTrip(s, 'c', 500))[0]).toBeNull();

    proxy.set({ kind: 'refuse' }); // drops every open connection, refuses new ones
    expect(s.destroyed || (await roundTrip(s, 'd', 500))[0] === null).toBe(true);
    const refused = await open().then((x) => roundTrip(x, 'e', 500), () => [null, 0] as [null, number]);
    expect(refused[0]).toBeNull();

    proxy.set({ kind: 'pass' });
    expect((await roundTrip(await open(), 'f', 1_000))[0]).toBe('f');
  });
});
