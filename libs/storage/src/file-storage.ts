import type { Readable } from 'node:stream';

/**
 * Where uploads and generated images live. The API and the worker share it; the local
 * directory implementation can be swapped for an object store (S3, GCS) with the same four
 * operations, without touching the callers.
 */
export interface FileStorage {
  put(key: string, data: Buffer): Promise<void>;
  /** The file's bytes, or null if it does not exist. */
  read(key: string): Promise<Buffer | null>;
  /** A stream and size for serving, or null if it does not exist. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
  delete(key: string): Promise<void>;
}

/** DI token for the FileStorage implementation. */
export const FILE_STORAGE = Symbol('FILE_STORAGE');

// One optional folder plus a file name, letters/digits/._- only: no "..", no absolute paths,
// no backslashes, nothing a caller could use to escape the storage root.
const KEY = /^(?:[a-z0-9][a-z0-9_-]{0,63}\/)?[a-z0-9][a-z0-9._-]{0,127}$/i;

export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
}

export function assertStorageKey(key: string): void {
  if (!KEY.test(key) || key.includes('..')) throw new InvalidStorageKeyError(`invalid storage key "${key.slice(0, 80)}"`);
}
