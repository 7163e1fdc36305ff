import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that the OS just reported free (listen on port 0, read it, close).
 * For processes that must be told their port up front (redis-server, a child API process). Another
 * process could take it before ours binds; callers that start a server retry with a new port
 * (TestRedisServer does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}
