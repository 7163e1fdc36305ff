import type { IMAGE_EXTENSIONS } from '@conduit/queue';

export type ImageExtension = (typeof IMAGE_EXTENSIONS)[number];

/** Accepted upload types: the declared MIME type must match the file's real signature. */
export const ACCEPTED_IMAGE_TYPES: Record<string, ImageExtension> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

/** The image type from the file's first bytes (magic numbers), or null. */
export function sniffImageType(data: Buffer): ImageExtension | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}
