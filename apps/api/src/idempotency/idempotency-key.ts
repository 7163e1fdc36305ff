import { createHash } from 'node:crypto';
import { validationError } from '../common/api-errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 1..128 visible ASCII characters (UUIDs, ULIDs and random base64 all fit). */
const KEY_FORMAT = /^[\x21-\x7e]{1,128}$/;

/** Returns the key, or throws a 422 in the RealWorld shape for a malformed or repeated header. */
export function parseIdempotencyKey(raw: string | string[]): string {
  if (typeof raw !== 'string' || !KEY_FORMAT.test(raw)) {
    throw validationError({ [IDEMPOTENCY_HEADER]: ['must be 1 to 128 visible ASCII characters (no spaces), sent once'] });
  }
  return raw;
}

/**
 * What makes two requests "the same request": method, path (without the query) and the body,
 * with object keys sorted so a client re-serializing the same body in another key order still
 * matches.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const path = url.split('?')[0];
  return createHash('sha256').update(`${method} ${path}\n`).update(stableJson(body)).digest('base64url');
}

function stableJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
