import { randomBytes } from 'node:crypto';

/**
 * Storage keys and public URLs of uploaded images, shared by the API (stores originals, serves
 * resized files) and the worker (resizes). Originals are private and never served; resized WebP
 * versions are served at GET /api/images/<uploadId>-<size>.webp.
 */
export const originalImageKey = (uploadId: string, ext: string) => `originals/${uploadId}.${ext}`;
export const resizedImageFile = (uploadId: string, size: number) => `${uploadId}-${size}.webp`;
export const resizedImageKey = (file: string) => `images/${file}`;
export const resizedImageUrl = (uploadId: string, size: number) => `/api/images/${resizedImageFile(uploadId, size)}`;
/** File names the API agrees to serve (anything else is a 404, never a path lookup). */
export const RESIZED_IMAGE_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{2,4}\.webp$/;

/**
 * A new upload id: a UUIDv7 (48-bit millisecond timestamp first), so ids sort by upload time.
 * The worker uses that order to never replace a newer image with an older upload that finished
 * later (two uploads processed concurrently or retried). Test: image.e2e.spec.ts.
 */
export function newUploadId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
