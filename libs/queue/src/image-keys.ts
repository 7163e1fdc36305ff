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
