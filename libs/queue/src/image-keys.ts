/**
 * Storage keys and public URLs of images. Originals are private (never served); the resized
 * WebP versions are served by the API at GET /api/images/<uploadId>-<size>.webp.
 */
export const originalKey = (uploadId: string, ext: string) => `originals/${uploadId}.${ext}`;
export const resizedFile = (uploadId: string, size: number) => `${uploadId}-${size}.webp`;
export const resizedKey = (uploadId: string, size: number) => `images/${resizedFile(uploadId, size)}`;
export const resizedUrl = (uploadId: string, size: number) => `/api/images/${resizedFile(uploadId, size)}`;
