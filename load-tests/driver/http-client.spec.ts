import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceAddressPool, sendHttp } from './http-client.ts';

describe('driver HTTP client', () => {
  let server: Server;
  let baseUrl = '';
  const pool = new SourceAddressPool();

  beforeAll(async () => {
    // Echoes the peer address the server sees, and the request it got.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/missing') return res.writeHead(404).end('{"errors":{"path":["not found"]}}');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ peer: req.socket.remoteAddress, method: req.method, url: req.url, auth: req.headers.authorization ?? null, body: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await pool.close();
    await new Promise((r) => server.close(r));
  });

  it('sends each virtual user from its own loopback source address (127.0.0.2-127.0.0.250)', async () => {
    const peers: string[] = [];
    for (const vu of [1, 2, 3, 249, 250]) {
      const res = await sendHttp(baseUrl, pool.agentFor(vu), { method: 'GET', path: '/who', auth: false }, undefined, 5_000);
      peers.push((res.body as { peer: string }).peer);
    }
    expect(peers).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.250', '127.0.0.2']);
  });

  it('sends JSON bodies and the RealWorld token header only on authenticated calls', async () => {
    const agent = pool.agentFor(7);
    const authed = await sendHttp(baseUrl, agent, { method: 'POST', path: '/api/x', body: { a: 1 }, auth: true }, 'jwt', 5_000);
    expect(authed).toMatchObject({ status: 200, body: { method: 'POST', url: '/api/x', auth: 'Token jwt', body: { a: 1 } } });
    const anon = await sendHttp(baseUrl, agent, { method: 'GET', path: '/api/y', auth: false }, 'jwt', 5_000);
    expect((anon.body as { auth: unknown }).auth).toBeNull();
  });

  it('reports error statuses and refused connections instead of throwing', async () => {
    const agent = pool.agentFor(8);
    expect((await sendHttp(baseUrl, agent, { method: 'GET', path: '/missing', auth: false }, undefined, 5_000)).status).toBe(404);
    const refused = await sendHttp('http://127.0.0.1:1', agent, { method: 'GET', path: '/', auth: false }, undefined, 5_000);
    expect(refused.status).toBe(0);
    expect(refused.error).toBe('ECONNREFUSED');
  });
});
