import net from 'node:net';

export interface FailoverProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A load balancer stand-in on loopback: each new TCP connection goes to the first backend that
 * accepts it (so when an instance dies, reconnecting clients land on the next one). Raw TCP, so
 * WebSocket upgrades pass through untouched.
 */
export function startFailoverProxy(port: number, backends: number[]): Promise<FailoverProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const tryBackend = (i: number) => {
      if (i >= backends.length) return client.destroy();
      const upstream = net.connect(backends[i], '127.0.0.1');
      const failedToConnect = () => {
        upstream.destroy();
        if (!client.destroyed) tryBackend(i + 1);
      };
      upstream.once('error', failedToConnect);
      upstream.once('connect', () => {
        // From here on a failure ends this client connection; it never moves mid-stream.
        upstream.off('error', failedToConnect);
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
