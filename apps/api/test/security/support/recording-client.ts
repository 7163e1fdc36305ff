import { ApiClient, type ApiResponse } from '@conduit/testing';

/** Every response a security test file received (status, headers, raw body), for suite-wide scans. */
export interface RecordedResponse {
  request: string;
  status: number;
  text: string;
}

/**
 * ApiClient that records every response into `log`, so a file can finish with "no response
 * anywhere contained X" over everything it sent (e.g. password hashes).
 */
export class RecordingClient extends ApiClient {
  constructor(
    baseUrl: string,
    readonly log: RecordedResponse[] = [],
    token?: string,
  ) {
    super(baseUrl, token);
  }

  override as(token: string | undefined): RecordingClient {
    return new RecordingClient(this.baseUrl, this.log, token);
  }

  override async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await super.request<T>(method, path, body, headers);
    const text = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '')}`;
    this.log.push({ request: `${method} ${path}`, status: res.status, text });
    return res;
  }
}

/** What a leaked password hash looks like: argon2 (the hasher here), bcrypt or scrypt formats. */
export const PASSWORD_HASH_PATTERN = /\$argon2(id|i|d)\$|\$2[aby]\$\d\d\$|\$scrypt\$/;
/** A hash field in a successful answer (error answers may name the refused field: "passwordHash": ["is not an allowed field"]). */
const HASH_FIELD = /"password_?hash"\s*:/i;

export function responsesLeakingPasswordHashes(log: RecordedResponse[]): string[] {
  return log.filter((r) => PASSWORD_HASH_PATTERN.test(r.text) || (r.status < 400 && HASH_FIELD.test(r.text))).map((r) => `${r.request} -> ${r.status}`);
}
