import type { GenericErrorModel } from '@conduit/contracts';
import { ApiError } from './api-error.js';

export interface ApiClientOptions {
  /** Same origin by default: the load balancer serves the app and /api together. */
  baseUrl?: string;
  getToken: () => string | null;
  /** Called when the server rejects our token (401) so the app can sign the user out. */
  onUnauthorized?: () => void;
  /** Every request gets an answer or an error within this budget. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
  query?: Record<string, string | number | undefined>;
}

export interface ApiClient {
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
  upload<T>(path: string, form: FormData, options?: RequestOptions): Promise<T>;
}

function isErrorModel(value: unknown): value is GenericErrorModel {
  return typeof value === 'object' && value !== null && typeof (value as GenericErrorModel).errors === 'object' && (value as GenericErrorModel).errors !== null;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Thin fetch wrapper: token header, timeout, and every failure turned into an ApiError. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? '/api';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const doFetch = options.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request<T>(method: string, path: string, body: BodyInit | undefined, json: boolean, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (json) headers['content-type'] = 'application/json';
    const token = options.getToken();
    if (token) headers.authorization = `Token ${token}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;

    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${withQuery(path, opts.query)}`, { method, headers, body, signal });
    } catch (error) {
      if (opts.signal?.aborted) throw error; // the caller cancelled: not an error to show
      if (timeout.aborted) throw new ApiError(0, { network: ['the server took too long to answer'] });
      throw new ApiError(0, { network: ['could not reach the server'] });
    }

    const text = await response.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (response.ok) return data as T;
    if (response.status === 401 && token) options.onUnauthorized?.();
    if (isErrorModel(data)) throw new ApiError(response.status, data.errors);
    throw new ApiError(response.status, { server: [`answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`] });
  }

  return {
    get: (path, opts) => request('GET', path, undefined, false, opts),
    post: (path, body, opts) => request('POST', path, body === undefined ? undefined : JSON.stringify(body), body !== undefined, opts),
    put: (path, body, opts) => request('PUT', path, JSON.stringify(body), true, opts),
    delete: (path, opts) => request('DELETE', path, undefined, false, opts),
    upload: (path, form, opts) => request('POST', path, form, false, opts),
  };
}
