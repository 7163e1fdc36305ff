import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from './api-client.js';
import { ApiError } from './api-error.js';

function respond(status: number, body: unknown, statusText = ''): Response {
  return new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), { status, statusText, headers: { 'content-type': 'application/json' } });
}

describe('createApiClient', () => {
  it('sends the token header, JSON body and query string', async () => {
    const fetchImpl = vi.fn(async () => respond(200, { ok: true }));
    const client = createApiClient({ getToken: () => 'abc', fetchImpl });
    await client.post('/articles', { article: { title: 't' } });
    await client.get('/articles', { query: { tag: 'a b', limit: 10, offset: 0, author: undefined } });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/articles');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).authorization).toBe('Token abc');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(init.body).toBe('{"article":{"title":"t"}}');
    expect((fetchImpl.mock.calls[1] as unknown as [string])[0]).toBe('/api/articles?tag=a+b&limit=10&offset=0');
  });

  it('omits the authorization header when signed out', async () => {
    const fetchImpl = vi.fn(async () => respond(200, {}));
    await createApiClient({ getToken: () => null, fetchImpl }).get('/tags');
    const init = (fetchImpl.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it('turns a RealWorld 422 body into an ApiError with field messages', async () => {
    const client = createApiClient({ getToken: () => null, fetchImpl: async () => respond(422, { errors: { email: ['has already been taken'], password: ['is too short'] } }) });
    const error = await client.post('/users', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).messages).toEqual(['email has already been taken', 'password is too short']);
  });

  it('reports a non-JSON error page with its status', async () => {
    const client = createApiClient({ getToken: () => null, fetchImpl: async () => respond(502, '<html>bad gateway</html>', 'Bad Gateway') });
    const error = (await client.get('/tags').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.messages).toEqual(['server answered 502 Bad Gateway']);
  });

  it('signs out on 401 only when a token was sent', async () => {
    const onUnauthorized = vi.fn();
    const fetchImpl = async () => respond(401, { errors: { token: ['is missing or invalid'] } });
    await createApiClient({ getToken: () => 'stale', fetchImpl, onUnauthorized })
      .get('/user')
      .catch(() => undefined);
    await createApiClient({ getToken: () => null, fetchImpl, onUnauthorized })
      .get('/user')
      .catch(() => undefined);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('gives up after the timeout with a clear error', async () => {
    const fetchImpl = (_url: RequestInfo | URL, init?: RequestInit) => new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const client = createApiClient({ getToken: () => null, fetchImpl, timeoutMs: 30 });
    const error = (await client.get('/tags').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.messages).toEqual(['network the server took too long to answer']);
  });

  it('reports an unreachable server as status 0', async () => {
    const client = createApiClient({
      getToken: () => null,
      fetchImpl: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const error = (await client.get('/tags').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.errors).toEqual({ network: ['could not reach the server'] });
  });

  it('returns undefined for an empty success body (DELETE)', async () => {
    const client = createApiClient({ getToken: () => 't', fetchImpl: async () => new Response(null, { status: 204 }) });
    await expect(client.delete('/articles/x')).resolves.toBeUndefined();
  });
});
